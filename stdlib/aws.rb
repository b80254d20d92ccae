# stdlib/aws.rb — thin helpers over the AWS CLI's JSON output, for the checks the P1
# procedures start with: is the database up, is the service running, was there a
# deployment, what do the metrics say.  `use aws`, then
#     let rds = aws.rds_status(db)
#     if rds == nil { warn "Could not ask AWS about #{db}" } elif not rds.available { … }
#
# Each function runs one `aws … --output json` command marked readonly (so it also runs
# under --dry-run), parses its output with from_json and returns the data.  When the CLI
# fails (not installed, no credentials, throttled, the resource does not exist) or prints
# something that is not JSON, the function returns nil: check for nil, and look at the
# command's output shown on the screen and in the record for the reason.  Nothing here
# fails the step or prompts, so the helpers may also be used in `escalation` and `every`
# bodies.  Region and credentials come from the usual AWS_* environment and profile.
#
# Times in AWS's output are turned into time values (`created_at`, `at`) where a helper
# summarises; the untouched AWS object is always there too (`instance`, `service`, `raw`).

# How long one AWS CLI call may take.
let call_timeout = 60s

# The parsed JSON of a finished `sh` result, or nil when the command failed.
fn parse(r) {
  if not r.ok {
    return nil
  }
  return from_json(r.stdout)
}

# A time from AWS's ISO-8601 text ("2025-12-27T14:00:00.123000+00:00"); nil stays nil.
fn to_time(x) {
  if x == nil or type(x) == "time" {
    return x
  }
  if type(x) == "number" {
    # Older CLIs print epoch seconds.
    return time("1970-01-01T00:00:00Z") + seconds(x)
  }
  return time(str(x))
}

# `list` sorted by the time in each element's `key`, oldest first.
fn sort_by_time(list, key) {
  let out = []
  for x in list {
    let placed = false
    let next = []
    for o in out {
      if not placed and x[key] != nil and (o[key] == nil or x[key] < o[key]) {
        push(next, x)
        placed = true
      }
      push(next, o)
    }
    if not placed {
      push(next, x)
    }
    out = next
  }
  return out
}

# A list reversed.
fn reversed(list) {
  let out = []
  let i = len(list) - 1
  while i >= 0 {
    push(out, list[i])
    i = i - 1
  }
  return out
}

# ---------------------------------------------------------------------------------------
# RDS

# The state of an RDS instance (`aws rds describe-db-instances`), or nil:
#   {id, status, available, multi_az, az, secondary_az, engine, class, endpoint, port,
#    instance}
# `status` is AWS's DBInstanceStatus ("available", "failing-over", "rebooting", …),
# `available` is status == "available", `instance` the whole DBInstance object.
fn rds_status(db) {
  let d = parse(sh("aws rds describe-db-instances --db-instance-identifier #{db} --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.DBInstances) != "list" or len(d.DBInstances) == 0 {
    return nil
  }
  let i = d.DBInstances[0]
  let ep = i.Endpoint ?? {}
  return {
    id:           i.DBInstanceIdentifier,
    status:       i.DBInstanceStatus,
    available:    i.DBInstanceStatus == "available",
    multi_az:     i.MultiAZ == true,
    az:           i.AvailabilityZone,
    secondary_az: i.SecondaryAvailabilityZone,
    engine:       i.Engine,
    class:        i.DBInstanceClass,
    endpoint:     ep.Address,
    port:         ep.Port,
    instance:     i,
  }
}

# The events of an RDS instance in the last `since` (a duration; AWS keeps 14 days),
# oldest first (`aws rds describe-events`), as {at, message, categories}; nil on failure.
# A Multi-AZ failover shows as messages like "Multi-AZ instance failover started."
fn rds_events(db, since) {
  let mins = max(1, int(since / 1m))
  let d = parse(sh("aws rds describe-events --source-identifier #{db} --source-type db-instance --duration #{mins} --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.Events) != "list" {
    return nil
  }
  let out = []
  for e in d.Events {
    push(out, {at: to_time(e.Date), message: e.Message, categories: e.EventCategories ?? []})
  }
  return sort_by_time(out, "at")
}

# ---------------------------------------------------------------------------------------
# ECS

# One ECS deployment as {id, status, rollout, task_definition, desired, running, pending,
# failed, created_at, updated_at, raw}.  status is PRIMARY (the newest) or ACTIVE (being
# replaced); rollout is IN_PROGRESS, COMPLETED or FAILED.
fn deployment(x) {
  return {
    id:              x.id,
    status:          x.status,
    rollout:         x.rolloutState,
    task_definition: x.taskDefinition,
    desired:         x.desiredCount,
    running:         x.runningCount,
    pending:         x.pendingCount,
    failed:          x.failedTasks ?? 0,
    created_at:      to_time(x.createdAt),
    updated_at:      to_time(x.updatedAt),
    raw:             x,
  }
}

# The state of an ECS service (`aws ecs describe-services`), or nil:
#   {name, status, desired, running, pending, task_definition, deployments, events,
#    stable, service}
# `deployments` newest first (see deployment()); `events` the service's last messages,
# newest first, as {at, message}; `stable` is true when there is one deployment and it
# runs as many tasks as desired; `service` is the whole AWS object.
fn ecs_service(cluster, service) {
  let d = parse(sh("aws ecs describe-services --cluster #{cluster} --services #{service} --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.services) != "list" or len(d.services) == 0 {
    return nil
  }
  let s = d.services[0]
  let deps = []
  for x in s.deployments ?? [] {
    push(deps, deployment(x))
  }
  deps = reversed(sort_by_time(deps, "created_at"))
  let events = []
  for e in s.events ?? [] {
    if len(events) < 10 {
      push(events, {at: to_time(e.createdAt), message: e.message})
    }
  }
  return {
    name:            s.serviceName,
    status:          s.status,
    desired:         s.desiredCount,
    running:         s.runningCount,
    pending:         s.pendingCount,
    task_definition: s.taskDefinition,
    deployments:     deps,
    events:          events,
    stable:          len(deps) == 1 and s.runningCount == s.desiredCount,
    service:         s,
  }
}

# The deployments of an ECS service started in the last `window` (a duration), newest
# first; [] when there were none, nil when AWS could not be asked.  The seeds' first
# question: "Is this a recent deployment?  YES → roll back to the previous version."
fn recent_deployments(cluster, service, window) {
  let s = ecs_service(cluster, service)
  if s == nil {
    return nil
  }
  let since = now() - window
  let out = []
  for d in s.deployments {
    if d.created_at != nil and d.created_at >= since {
      push(out, d)
    }
  }
  return out
}

# ---------------------------------------------------------------------------------------
# Load balancers

# The targets of a target group and their health (`aws elbv2 describe-target-health`) as
# {id, port, state, reason, description}, or nil.  state is healthy, unhealthy,
# initial, draining, unused or unavailable.
fn target_health(target_group_arn) {
  let d = parse(sh("aws elbv2 describe-target-health --target-group-arn #{target_group_arn} --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.TargetHealthDescriptions) != "list" {
    return nil
  }
  let out = []
  for x in d.TargetHealthDescriptions {
    let target = x.Target ?? {}
    let health = x.TargetHealth ?? {}
    push(out, {id: target.Id, port: target.Port, state: health.State, reason: health.Reason,
               description: health.Description})
  }
  return out
}

# How many targets of a target group are healthy, or nil.
fn healthy_targets(target_group_arn) {
  let targets = target_health(target_group_arn)
  if targets == nil {
    return nil
  }
  let n = 0
  for x in targets {
    if x.state == "healthy" {
      n = n + 1
    }
  }
  return n
}

# ---------------------------------------------------------------------------------------
# CloudWatch

# The datapoints of a metric over the last `since` (`aws cloudwatch
# get-metric-statistics`), oldest first, as {at, value, unit}; nil on failure.
#   namespace   "AWS/RDS", "AWS/ECS", "AWS/ApplicationELB", …
#   metric      "CPUUtilization", "DatabaseConnections", …
#   dimensions  a map: {DBInstanceIdentifier: db}
#   since       a duration
#   period      a duration, a whole number of seconds (60s, 5m)
#   stat        "Average", "Maximum", "Minimum", "Sum" or "SampleCount"
fn cloudwatch_stat(namespace, metric, dimensions, since, period, stat) {
  let dims = []
  for k, v in dimensions ?? {} {
    push(dims, {Name: k, Value: str(v)})
  }
  let end_time = now()
  let start_time = end_time - since
  let secs = max(1, int(period / 1s))
  let d = parse(sh("aws cloudwatch get-metric-statistics --namespace #{namespace} --metric-name #{metric} --dimensions #{to_json(dims)} --start-time #{str(start_time)} --end-time #{str(end_time)} --period #{secs} --statistics #{stat} --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.Datapoints) != "list" {
    return nil
  }
  let out = []
  for p in d.Datapoints {
    push(out, {at: to_time(p.Timestamp), value: p[stat], unit: p.Unit})
  }
  return sort_by_time(out, "at")
}

# cloudwatch_stat with the average over one-minute periods — what the dashboards show.
#   aws.cloudwatch_metric("AWS/RDS", "DatabaseConnections", {DBInstanceIdentifier: db}, 30m)
fn cloudwatch_metric(namespace, metric, dimensions, since) {
  return cloudwatch_stat(namespace, metric, dimensions, since, 60s, "Average")
}

# An RDS instance's metric over the last `since` (the P1 database procedure looks at
# DatabaseConnections and CPUUtilization).
fn rds_metric(db, metric, since) {
  return cloudwatch_metric("AWS/RDS", metric, {DBInstanceIdentifier: db}, since)
}

# The newest value of a list of datapoints, or nil when there is none.
fn latest(points) {
  if points == nil or len(points) == 0 {
    return nil
  }
  return points[len(points) - 1].value
}

# ---------------------------------------------------------------------------------------
# AWS Health

# Open AWS Health events (`aws health describe-events`, the seeds' "check AWS Health
# Dashboard"), as {service, type, region, status, started_at, raw}; nil on failure.
# The Health API needs a Business or Enterprise support plan.
fn health_events() {
  let d = parse(sh("aws health describe-events --filter eventStatusCodes=open --output json",
                   readonly: true, timeout: call_timeout))
  if d == nil or type(d.events) != "list" {
    return nil
  }
  let out = []
  for e in d.events {
    push(out, {service: e.service, type: e.eventTypeCode, region: e.region,
               status: e.statusCode, started_at: to_time(e.startTime), raw: e})
  }
  return out
}
