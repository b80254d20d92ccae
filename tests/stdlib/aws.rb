# tests/stdlib/aws.rb — stdlib/aws.rb against tests/stdlib/bin/aws, a stub that prints
# canned AWS CLI JSON (tests/t-stdlib.sh puts it first on PATH and sets AWS_STUB_LOG).
# With AWS_STUB_MODE=fail or junk every helper must return nil; run that way, set
# EXPECT=nil.
runbook "stdlib: aws" {
  id       "test-stdlib-aws"
  severity P4
  owner    "runbook tests"
}

use aws
use "lib/assert.rb" as t

param expect = env("EXPECT", "data")             "data, or nil when the stub fails"
param log    = env("AWS_STUB_LOG", "")            "where the stub writes its arguments"

step stub "The stub is the aws on PATH" {
  let r = sh("command -v aws", readonly: true)
  t.has("aws is the stub", r.stdout, "tests/stdlib/bin/aws")
  t.done()
}

step failures "Every helper gives nil when the CLI fails" {
  if expect != "nil" {
    t.eq("rds_status of a missing instance", aws.rds_status("no-such-db"), nil)
    t.eq("ecs_service of a missing service", aws.ecs_service("prod-cluster", "no-such-service"), nil)
    t.eq("recent_deployments of a missing service", aws.recent_deployments("prod-cluster", "nope", 1h), nil)
    t.eq("rds_events of another db", aws.rds_events("other-db", 1h), [])
  } else {
    t.eq("rds_status", aws.rds_status("prod-db"), nil)
    t.eq("rds_events", aws.rds_events("prod-db", 1h), nil)
    t.eq("ecs_service", aws.ecs_service("prod-cluster", "backend-service"), nil)
    t.eq("recent_deployments", aws.recent_deployments("prod-cluster", "backend-service", 2h), nil)
    t.eq("target_health", aws.target_health("arn:tg"), nil)
    t.eq("healthy_targets", aws.healthy_targets("arn:tg"), nil)
    t.eq("cloudwatch_metric", aws.cloudwatch_metric("AWS/RDS", "CPUUtilization", {DBInstanceIdentifier: "prod-db"}, 1h), nil)
    t.eq("rds_metric", aws.rds_metric("prod-db", "CPUUtilization", 1h), nil)
    t.eq("latest(nil)", aws.latest(nil), nil)
    t.eq("health_events", aws.health_events(), nil)
  }
  t.done()
}

step rds "RDS instance and events" {
  if expect == "nil" {
    goto done
  }
  let db = aws.rds_status("prod-db")
  t.eq("rds id", db.id, "prod-db")
  t.eq("rds status", db.status, "available")
  t.eq("rds available", db.available, true)
  t.eq("rds multi-az", db.multi_az, true)
  t.eq("rds az", [db.az, db.secondary_az], ["us-east-1a", "us-east-1b"])
  t.eq("rds endpoint", [db.endpoint, db.port], ["prod-db.abc123.us-east-1.rds.amazonaws.com", 5432])
  t.eq("rds engine and class", [db.engine, db.class], ["postgres", "db.r6g.large"])
  t.eq("rds raw instance", db.instance.DBInstanceStatus, "available")
  let f = aws.rds_status("failing-db")
  t.eq("failing-over status", f.status, "failing-over")
  t.eq("failing-over not available", f.available, false)
  let ev = aws.rds_events("prod-db", 60m)
  t.eq("events sorted oldest first", [ev[0].message, ev[1].message], ["Multi-AZ instance failover started.", "Multi-AZ instance failover completed"])
  t.eq("event time", ev[0].at, time("2025-12-27T14:00:30Z"))
  t.eq("event categories", ev[1].categories, ["failover"])
  t.done()
}

step ecs "ECS service and recent deployments" {
  let s = aws.ecs_service("prod-cluster", "backend-service")
  t.eq("ecs name", s.name, "backend-service")
  t.eq("ecs counts", [s.status, s.desired, s.running, s.pending], ["ACTIVE", 4, 3, 1])
  t.eq("ecs not stable", s.stable, false)
  t.eq("ecs deployments newest first", [s.deployments[0].id, s.deployments[1].id], ["ecs-svc/new", "ecs-svc/old"])
  let d = s.deployments[0]
  t.eq("deployment fields", [d.status, d.rollout, d.desired, d.running, d.pending, d.failed],
       ["PRIMARY", "IN_PROGRESS", 4, 2, 1, 2])
  t.ok("deployment created_at is a time", type(d.created_at) == "time")
  t.has("deployment task definition", d.task_definition, "backend:42")
  t.eq("events newest first", s.events[0].message, "(service backend-service) has started 1 tasks.")
  t.eq("raw service", s.service.serviceName, "backend-service")
  let recent = aws.recent_deployments("prod-cluster", "backend-service", 2h)
  t.eq("one deployment in the last 2h", len(recent), 1)
  t.eq("it is the new one", recent[0].id, "ecs-svc/new")
  t.eq("none in the last 10m", aws.recent_deployments("prod-cluster", "backend-service", 10m), [])
  t.eq("both in the last week", len(aws.recent_deployments("prod-cluster", "backend-service", 7d)), 2)
  t.done()
}

step elb "Target health" {
  let th = aws.target_health("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/backend/abc")
  t.eq("three targets", len(th), 3)
  t.eq("target 2", [th[1].id, th[1].port, th[1].state, th[1].reason], ["10.0.1.11", 8080, "unhealthy", "Target.ResponseCodeMismatch"])
  t.eq("healthy_targets", aws.healthy_targets("arn:tg"), 2)
  t.done()
}

step metrics "CloudWatch metrics" {
  let pts = aws.rds_metric("prod-db", "CPUUtilization", 30m)
  t.eq("three points", len(pts), 3)
  t.eq("sorted oldest first", [pts[0].value, pts[1].value, pts[2].value], [40, 80.25, 95.5])
  t.eq("point time", pts[0].at, time("2025-12-27T14:00:00Z"))
  t.eq("unit", pts[0].unit, "Percent")
  t.eq("latest", aws.latest(pts), 95.5)
  t.eq("latest([])", aws.latest([]), nil)
  let mx = aws.cloudwatch_stat("AWS/RDS", "DatabaseConnections", {DBInstanceIdentifier: "prod-db"}, 1h, 5m, "Maximum")
  t.eq("stat Maximum", aws.latest(mx), 95.5)
  let h = aws.health_events()
  t.eq("health event", [h[0].service, h[0].status, h[0].region], ["RDS", "open", "us-east-1"])
  t.done()
}

step args "The commands AWS was asked" {
  t.eq("weird id is one argument", aws.rds_status("prod db; echo pwned"), nil)
  if log == "" {
    fail "set AWS_STUB_LOG"
  }
  let calls = sh("cat #{log}", readonly: true).stdout
  t.has("describe-db-instances", calls, "[rds][describe-db-instances][--db-instance-identifier][prod-db][--output][json]")
  t.has("quoted id", calls, "[--db-instance-identifier][prod db; echo pwned][--output][json]")
  t.has("describe-events duration in minutes", calls, "[--source-type][db-instance][--duration][60][--output][json]")
  t.has("describe-services", calls, "[ecs][describe-services][--cluster][prod-cluster][--services][backend-service][--output][json]")
  t.has("metric dimensions as JSON", calls, "[--dimensions][[{\"Name\":\"DBInstanceIdentifier\",\"Value\":\"prod-db\"}]]")
  t.has("metric period and stat", calls, "[--period][60][--statistics][Average][--output][json]")
  t.has("metric period 5m", calls, "[--period][300][--statistics][Maximum]")
  t.has("metric namespace", calls, "[cloudwatch][get-metric-statistics][--namespace][AWS/RDS][--metric-name][CPUUtilization]")
  t.ok("start time is ISO-8601", matches(calls, "\\[--start-time\\]\\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\\]\\[--end-time\\]"))
  t.has("health open events", calls, "[health][describe-events][--filter][eventStatusCodes=open]")
  t.done()
}

step done "Done" {
  note "aws helpers checked (expect #{expect})"
}
