# api-latency.rb — elevated API latency: measure, mitigate, hand over.
runbook "P2 — API latency above SLO" {
  id "p2-api-latency"
  severity P2
  owner "API Team"
  summary "p99 latency above 800ms for 10 minutes"
  tags ["api", "latency", "slo"]
  respond within 20m
  resolve within 2h
}

use "contacts.rb" as contacts

param base_url = "https://api.example.com" "API base URL"
param slo_ms: number = 800
secret grafana = env("GRAFANA_TOKEN", "x")
let endpoints = ["/health", "/v1/orders", "/v1/users?limit=1"]
let samples = []
let attempt = 0

escalation "latency" {
  at 0m contacts.say("#api", "Latency incident #{incident.id} opened")
  at 20m unless acknowledged { contacts.page(contacts.backup, incident.title) }
  at 45m when samples == [] contacts.say("#api", "No measurements yet after 45m")
  repeat every 1h30m
}

every 10m until resolved or incident.status == "monitoring" {
  contacts.say("#api", "p99 samples so far: #{samples}")
}

fn measure(path) {
  let r = http GET base_url + path timeout 5s
  return {ok: r.ok, status: r.status, secs: r.duration, "path": path}
}

phase "Measure" within 15m {
  step probe "Probe the endpoints" {
    for ep in endpoints {
      attempt = attempt + 1
      let m = measure(ep)
      samples = samples + [m.secs]
      if not m.ok { warn "#{ep} returned #{m.status}" }
    }
    let dash = http GET "https://grafana.example.com/api/dashboards/uid/api" headers {"Authorization": "Bearer #{grafana}"} retries 2 timeout 15s
    note "Dashboard: #{dash.json.meta.url ?? 'n/a'}"
  }
  step decide "Pick a mitigation" within 5m {
    choose "Most likely cause?" as cause {
      "A bad deploy" => {
        incident.status = "identified"
        goto rollback_deploy
      },
      "A slow dependency" => { goto shed_load }
      'Traffic spike' => {
        note "Scale out first."
        goto scale_out
      }
    }
  }
}

phase "Mitigate" {
  step rollback_deploy "Roll back the last deploy" {
    let prev = ask("Which version to roll back to?", default: "previous")
    confirm "Roll back to #{prev}?" as confirm_rollback
    sh "deployctl rollback --to #{prev}" timeout 10m
    goto watch
  }
  step shed_load "Shed non-critical load" {
    http POST base_url + "/admin/flags" json {flag: "shed_batch", on: true, pct: 50 * 2 / 4 % 7} timeout 10s
    goto watch
  } rollback {
    http POST base_url + "/admin/flags" json {flag: "shed_batch", on: false}
  }
  step scale_out "Scale out" {
    let n = 2
    while n <= 8 { n = n * 2 }
    confirm "Scale the API to #{n} replicas (after #{attempt} probes)?"
    sh "kubectl scale deploy/api --replicas=#{n}" timeout 2m
  }
}

phase "Watch" {
  step watch "Watch the latency" {
    incident.status = "monitoring"
    wait until measure("/health").secs * 1000 < slo_ms every 30s timeout 30m
    wait 10m "Make sure it stays down"
    resolve("Latency back under #{slo_ms}ms")
    action_item("Load-test the slow path", owner: "api-team", due: 10d)
  }
}
