runbook "Basic drill" {
  id "basic"
  severity P2
  respond within 15m
  resolve within 4h
}

param service = "api" "The service"
param replicas: number = 2

fn double(x) { return x * 2 }

phase "Detection" {
  step ack "Acknowledge" {
    confirm "Is the alert acknowledged?" as ack
    acknowledge()
    note "service #{service}, replicas #{double(replicas)}"
  }
}

phase "Response" {
  step triage "Triage" {
    choose "What do you see?" as triage {
      "Bad deploy" => { goto rollback_deploy }
      "Out of capacity" => { goto scale }
    }
  }
  step rollback_deploy "Roll back the deploy" {
    let who = ask("Who is rolling back?", key: "who")
    sh "echo rolling back by #{who}"
    timeline("rolled back by #{who}")
    goto verify
  }
  step scale "Scale up" {
    sh "echo scaling #{service} to #{replicas + 1}"
  }
  step verify "Verify" {
    checklist "Verification" as verification {
      "Error rate normal"
      "Latency normal"
    }
    incident.severity = P3
    resolve("all good")
    action_item("Add a canary", owner: "sre", due: "2026-12-01")
  }
}
