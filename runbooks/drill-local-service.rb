# runbooks/drill-local-service.rb — a fire drill on this machine: a local HTTP service is
# down; detect it, walk the decision tree, restart it behind a confirm gate, verify, and
# resolve.  `make demo` (tools/demo.sh) starts the service, kills it, and runs this
# runbook unattended on the virtual clock with scripted answers; it is also a safe
# runbook to practise on by hand:
#
#   python3 -m http.server --bind 127.0.0.1 8089 & echo $! >/tmp/drill.pid; kill %1
#   runbook exec runbooks/drill-local-service.rb --set port=8089 --set pidfile=/tmp/drill.pid \
#       --set monitor_for=1m          # (or press Enter to cut the 30-minute watch short)
#
# It follows the same five phases as the P1 playbooks, with the same ladder and status
# updates; nothing in it reaches beyond 127.0.0.1.

runbook "Drill — local service down" {
  id       "drill-local-service"
  severity P1                  # drilled as the real thing
  owner    "DevOps & Security Team"
  summary  "The local drill service does not answer its health check"
  tags     ["drill", "local"]
  respond  within 15m
  resolve  within 4h
}

use notify
use "contacts.rb" as contacts

param host                  = "127.0.0.1"               "Where the service listens"
param port: number          = 8089                      "Its port"
param pidfile               = "/tmp/drill-service.pid"  "Its pid file"
param www                   = "."                       "The directory it serves (holds the health file)"
param logfile               = "/tmp/drill-service.log"  "Where its output goes"
param monitor_for: duration = 30m                       "How long to watch after the fix"

secret webhook = env("SLACK_WEBHOOK", nil)

let state = {update: "Drill: the local service is down; we are investigating."}

# One GET of the health check, retried for a few seconds of real time (a service that is
# just starting needs them; the virtual clock does not wait).
fn healthy() {
  return sh("curl -fsS --max-time 2 --retry 5 --retry-delay 1 --retry-connrefused http://#{host}:#{port}/health",
            readonly: true, timeout: 20s).ok
}

escalation "on-call" {
  at 0m                      notify.page(contacts.primary, "DRILL: #{incident.title}")
  at 15m unless acknowledged notify.page(contacts.backup, "DRILL: #{incident.title}, unacknowledged")
  at 30m                     notify.send(contacts.eng_lead, "DRILL open 30m: #{state.update}")
  at 60m                     notify.send(contacts.cto, "DRILL open 60m: #{state.update}")
}

every 15m until resolved {
  notify.status(webhook, "DRILL update (#{format_duration(incident.elapsed)} in, #{incident.status}): #{state.update}")
}

phase "Detection" within 5m {
  step detect "Check the health endpoint" {
    let probe = sh "curl -fsS --max-time 2 http://#{host}:#{port}/health" timeout 5s readonly
    if probe.ok {
      note "The health check passes: nothing to do."
      abort "false alarm: http://#{host}:#{port}/health answers"
    }
    warn "http://#{host}:#{port}/health does not answer (exit #{probe.exit})."
  }
  step ack "Acknowledge the alert" {
    confirm "Have you acknowledged the alert?" as ack
    acknowledge()
    timeline("Alert acknowledged")
  }
}

phase "Assessment" within 10m {
  step process "Is the process running?" {
    let alive = sh "kill -0 $(cat #{pidfile})" timeout 5s readonly  # runbook:disable SC2046 -- the pid file holds one number
    let running = alive.ok
    if running {
      note "The process is running but not answering: hung, or listening elsewhere."
    } else {
      note "The process is gone (pid file #{pidfile})."
    }
    let tail = sh "tail -n 5 #{logfile}" timeout 5s readonly
  }
  step triage "What is the failure mode?" {
    choose "What do you see?" as failure_mode {
      "A recent deployment"       => { goto roll_back }
      "Resource exhaustion"       => { goto scale_up }
      "The process has died"      => { goto restart }
      "A third-party dependency"  => { goto workaround }
    }
  }
}

phase "Response" {
  step roll_back "Roll back" {
    note "Drill: there is no deployment to roll back here. A real playbook rolls back to the previous version."
    goto triage
  }
  step scale_up "Scale up" {
    note "Drill: a single local process cannot be scaled. A real playbook raises the task count."
    goto triage
  }
  step workaround "Work around the dependency" {
    note "Drill: the service has no dependencies."
    goto triage
  }
  step restart "Restart the service" {
    incident.status = "identified"
    state.update = "Drill: the process died; we are restarting it."
    confirm "Start the service on #{host}:#{port} again?" as confirm_restart
    sh "nohup python3 -m http.server --bind #{host} --directory #{www} #{port} >#{logfile} 2>&1 </dev/null & echo $! >#{pidfile}" timeout 10s
    timeline("Service restarted (pid file #{pidfile})")
  } rollback {
    sh "kill $(cat #{pidfile})" timeout 5s  # runbook:disable SC2046 -- the pid file holds one number
  }
}

phase "Resolution" {
  step verify "Verify and monitor" {
    incident.status = "monitoring"
    state.update = "Drill: the service is back; we are monitoring."
    wait until healthy() every 10s timeout 2m
    checklist "Verification" as verification {
      "The health check answers 200"
      "The pid file names a running process"
    }
    wait monitor_for "Monitor for 30 minutes after the fix"
    if not healthy() {
      warn "The service went down again while we watched."
      goto process
    }
    resolve("Drill: service restarted and healthy")
    timeline("Resolved after #{format_duration(incident.elapsed)}")
  }
}

phase "Post-mortem" {
  step postmortem "Hand over to the post-mortem" {
    action_item("Find out why the drill service died (read #{logfile})", owner: incident.commander ?? "On-call", due: 2d)
    action_item("Supervise the service (systemd, restart on failure)", owner: "DevOps", due: 7d)
    note "Draft: runbook report #{incident.id} --format md"
  }
}
