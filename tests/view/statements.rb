# Every declaration and statement kind, for `runbook view`.
runbook "API latency above SLO" {
  id       "p2-api-latency"
  severity P2
  owner    "Platform team"
  summary  "p99 latency of the public API is above 2s"
  tags     ["api", "latency", "slo"]
  respond  within 30m
  resolve  within 1h30m
}

param region: string = "eu-west-1" "AWS region of the cluster"
param replicas: number = 3
param ticket "Ticket number (asked when not set)"
secret api_token = "tok-LITERAL-CREDENTIAL-123"
let base_url = "https://api.example.com"
let thresholds = {p99: 2s, errors: 0.05}

fn percent(part, whole) {
  if whole == 0 {
    return 0
  }
  return part * 100 / whole
}

fn banner() {
  return "latency incident"
}

escalation "management" {
  at 0m note "Incident opened: #{incident.title}"
  at 20m unless acknowledged when incident.severity == P2 {
    note "Still unacknowledged after 20m"
    incident.severity = P1
  }
  at 45m when not resolved warn "Open for 45m"
  repeat every 1h
}

every 10m until resolved for 2h {
  note "Status: #{incident.status}"
  timeline("status update sent")
}

phase "Investigate" within 20m {
  escalation {
    at 10m note "Investigation is taking a while"
  }
  every 5m until acknowledged {
    warn "Nobody has acknowledged yet"
  }

  step metrics "Look at the metrics" within 10m timeout 15m retries 2 {
    let r = http GET "#{base_url}/metrics?region=#{region}" headers {Authorization: "Bearer #{api_token}", Accept: "application/json"} timeout 10s retries 3
    let p99 = r.json.p99 ?? 0
    p99 = p99 + 0
    thresholds.p99 = 3s
    if p99 > 5 {
      warn "p99 is #{p99}s"
    } elif p99 > 2 {
      note "p99 is elevated"
    } else {
      note "p99 looks normal"
      goto verify
    }
    for host in ["a", "b"] {
      if host == "b" {
        break
      }
      sh "curl -fsS https://#{host}.internal/health" readonly timeout 5s
    }
    for name, limit in thresholds {
      if limit == nil {
        continue
      }
      note "#{name}: #{limit}"
    }
    let n = 0
    while n < replicas {
      n = n + 1
    }
    print(percent(n, replicas), banner())
  } on failure {
    warn "Metrics unavailable; continue by hand"
  }

  step decide "Decide on a mitigation" {
    confirm "Is the latency still above the SLO?" as still_slow
    let who = ask("Who is the incident commander?", default: "on-call", key: "commander")
    incident.commander = who
    let go = confirm("Page the database team?")
    let tier = choose("Which tier is slow?", ["web", "api", "db"])
    let done = checklist("Before mitigating", ["Status page updated", "Stakeholders told"])
    choose "Mitigation" as mitigation {
      "Scale out" => { goto scale }
      "Roll back the last deploy" => {
        note "Rolling back"
        goto rollback_deploy
      }
      "Turn off the feature flag" => {
        if tier == "db" {
          goto scale
        }
        http POST "#{base_url}/flags/slow-path" json {enabled: false} timeout 5s
      }
      "Do nothing for now" => { }
    }
  }
}

phase "Mitigate" {
  step scale "Scale out" timeout 10m {
    let out = sh <<~CMD timeout 2m env {AWS_REGION: region} cwd "/srv/ops" on "bastion"
      kubectl scale deployment/api \
        --replicas=#{replicas + 2}
      kubectl rollout status deployment/api
    CMD
    wait 2m "Let the new pods warm up"
    wait until sh("curl -fsS #{base_url}/health").ok every 15s timeout 5m
    escalation {
      at 15m warn "Scaling has taken 15 minutes"
    }
    every 1m until resolved {
      note "Still scaling"
    }
    goto verify
  } rollback {
    sh "kubectl scale deployment/api --replicas=#{replicas}"
  }

  step rollback_deploy "Roll back the last deploy" {
    run "other.rb" with {target: "api"}
    if not confirm("Did the rollback finish?") {
      fail "Rollback did not finish"
    }
    if incident.severity == P1 {
      abort "Escalate to the major incident process"
    }
  } rollback {
  } on failure {
    note "Try scaling out instead"
    goto scale
  }
}

phase "Close" {
  step verify "Verify" {
    resolve("Latency back under the SLO")
    action_item("Add a latency alert per region", owner: "platform", due: 7d)
  }
}
