# Every construct of the language in one runbook that lints with zero diagnostics.
# expect-exit: 0
runbook "P2 — Every construct" {
  id       "all-constructs"
  severity P2
  owner    "Platform team"
  summary  "A tour of the language"
  tags     ["tour", "lint"]
  respond  within 30m
  resolve  within 1h30m
}

use "contacts.rb"                     # alias: the file's stem, `contacts`
use "contacts.rb" as ladder           # the same module under a second name

param host                  = "db-1"    "Database host"
param port: number          = 5432
param region: string        = env("AWS_REGION", "eu-west-1") "AWS region"
param level: severity       = P2
param grace: duration       = 5m
param verbose: bool         = false
param ticket                              "The ticket number (asked when not --set)"
secret token  = env("API_TOKEN")
let base_url  = "https://status.example.com/api/#{region}"
let limits    = {cpu: 80, "disk used": 90, nested: {list: [1, 2.5, nil, true]}}
let greeting  = helper(host)          # fns are hoisted

fn helper(name) {
  let parts = split(name, "-")
  if len(parts) > 1 and parts[0] != "" {
    return upper(parts[0])
  } elif len(parts) == 1 {
    return lower(name)
  } else {
    return nil
  }
}

fn count_up(n) {
  let total = 0
  let i = 0
  while true {
    i = i + 1
    if i % 2 == 0 { continue }
    if i > n { break }
    total = total + i
  }
  for k, v in limits {
    total = total + len(k) + (num(v) ?? 0)
  }
  for x in range(n) {
    total = total - x
  }
  return total
}

escalation "ladder" {
  at 0m                            contacts.all()
  at 10m unless acknowledged       print("paging backup", ladder.backup.name)
  at 20m when incident.severity == P1 and not resolved {
    timeline("escalated to #{contacts.eng_lead.name}")
  }
  at 45m                           incident.commander = "Engineering lead"
  repeat every 1h
}

every 30m until resolved for 4h {
  note "Still open after #{format_duration(incident.elapsed)}"
}

phase "Triage" within 10m {
  every 5m until acknowledged {
    warn "Nobody has acknowledged yet"
  }

  step check "Check the host" within 2m timeout 1m retries 2 {
    let r = sh "pg_isready -h #{host} -p #{port}" timeout 10s readonly
    let out = sh("uptime", timeout: 5s, readonly: true, env: {LC_ALL: "C"}, cwd: "/tmp", on: host)
    if not r.ok or r.timed_out {
      fail "#{host} is not ready (exit #{r.exit}): #{r.stderr}"
    }
    note out.stdout
    let who = ask("Who is the incident commander?", default: "me", pattern: "^[a-z]+$", key: "commander")
    let pw = ask("Database password?", secret: true)
    let sure = confirm("Continue?", key: "go", default: true)
    let pick = choose("Which region?", ["eu", "us"], default: "eu")
    incident.commander = who
    incident.roles.scribe = "#{who}'s deputy"
    if sure and pick in ["eu", "us"] and len(pw) > 0 {
      action_item("Automate the #{pick} check", owner: who, due: "2025-01-31")
    }
  } rollback {
    note "Nothing to undo: #{r.stdout}"
  } on failure {
    warn "The check failed"
    abort "Cannot go on without the host"
  }

  step "Decide what to do" {
    confirm "Start the response?" as start
    choose "What is wrong?" as diagnosis {
      "Disk full" => { goto cleanup }
      'Replication lag' => {
        note 'raw text: #{not interpolated}'
        goto cleanup
      }
    }
    checklist "Before you continue" as pre {
      "The incident channel is open"
      "A scribe is taking notes"
    }
  }
}

phase "Fix" {
  escalation {
    at 15m timeline("The fix is taking long")
  }

  step cleanup "Free some disk" {
    confirm "Delete old WAL segments on #{host}?"
    sh "find /var/lib/pg/wal -mtime +7 -delete" timeout 2m env {PGHOST: host} cwd "/" on host
    let res = http POST "#{base_url}/incidents" headers {Authorization: "Bearer #{token}", Accept: "application/json"} json {title: incident.title, level: str(level)} timeout 10s retries 3
    if res.status >= 400 {
      warn "status page said #{res.status}"
    }
    http PUT "#{base_url}/components/db" body to_json({status: "degraded"})
    http GET "#{base_url}/health"
    wait 2m "Let the checkpoint finish"
    wait grace
    wait until sh("df --output=pcent / | tail -1", readonly: true).stdout < "90%" every 10s timeout 5m
    wait until acknowledged   # expect-warning: 132:5 RB115
    run "other.rb" with {host: host, greeting: greeting}
    run "other.rb"
    let message = <<~MSG
      Host #{host} cleaned up by #{incident.commander ?? "nobody"}.
      Count: #{count_up(3)}; negative: #{-1 * 2}; #{[1, 2][0]}
    MSG
    let literal = <<~'RAW'
      No #{interpolation} here.
    RAW
    note message + literal
  }

  step finish "Finish" {
    let summary = "#{host}: #{limits.cpu} / #{limits["disk used"]}"
    let arith = (1 + 2) * 3 / 4 - 5 % 2 + -grace / 2
    if arith >= 1 and arith <= 10 and arith != 3 or arith < 0 || arith > 100 && !false {
      note "odd"
    }
    let later = now() + 10m
    if later > now() and type(later) == "time" {
      resolve(summary)
    }
    acknowledge(); resolve()
    timeline("Done: #{summary} #{verbose} (#{ticket})")
  }
}
