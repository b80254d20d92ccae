# security-breach.rb — suspected credential leak: contain, rotate, report.
runbook "P2 — Suspected credential leak" {
  id "p2-credential-leak"
  severity P2
  owner "Security"
  summary "A key was seen in a public place"
  tags ["security", "iam", 'secrets']
  respond within 30m
  resolve within 1d
}

use "contacts.rb" as contacts

param key_id = "" "The access key id that leaked"
param regions = ["eu-west-1", "us-east-1"] "Regions to sweep"
secret api_token = env("SEC_API_TOKEN", "dev-token")
let started = incident.started_at
let max_tries = 3

fn revoke(id, region) {
  let r = sh "aws iam update-access-key --access-key-id #{id} --status Inactive --region #{region}" timeout 1m env {AWS_RETRY_MODE: "standard", AWS_MAX_ATTEMPTS: "5"} cwd "/tmp"
  return r.ok && r.exit == 0
}

escalation "security" {
  at 0m contacts.say("#sec", "Credential leak declared: #{incident.id}")
  at 2h unless resolved when incident.severity != P1 {
    incident.severity = P1
    note "Raised to P1 after 2 hours"
  }
}

every 30m for 4h {
  contacts.say("#sec", <<~MSG)
    Update on #{incident.id}: status #{incident.status},
    commander #{incident.commander ?? "none"}, elapsed #{incident.elapsed}.
  MSG
}

phase "Containment" within 1h {
  escalation {
    at 45m note "Containment is taking long"
  }
  step identify "Identify the key" within 10m {
    if key_id == "" {
      key_id = ask("Which access key id leaked?", default: "AKIAEXAMPLE", pattern: "^AKIA[A-Z0-9]{12,}$", key: "key_id")
    }
    incident.commander = ask("Who is the incident commander?", key: "commander")
    incident.roles.scribe = ask("Who keeps notes?")
    timeline("Key #{key_id} identified")
  }
  step revoke_key "Deactivate the key everywhere" timeout 10m retries 2 {
    let tries = 0
    for region in regions {
      tries = 0
      while tries < max_tries {
        tries = tries + 1
        if revoke(key_id, region) { break }
        if tries >= max_tries { fail "could not deactivate #{key_id} in #{region}" }
        continue
      }
    }
  } on failure {
    warn "Revocation failed; escalate to the cloud account owner"
    action_item("Automate key revocation", owner: "security", due: 7d)
  }
}

phase "Eradication" {
  step audit "Search CloudTrail" {
    let since = started - 1d
    let resp = http GET "https://siem.example.com/api/search?key=#{key_id}" headers {"Authorization": "Bearer #{api_token}", Accept: "application/json"} timeout 30s
    if resp.status == 200 && resp.json.hits.total > 0 {
      warn "#{resp.json.hits.total} events used the key since #{since}"
      for i, hit in resp.json.hits.items { note "#{i}: #{hit.event} from #{hit.ip}" }
    } else if resp.status == 404 {
      note "no events"
    } else {
      abort "SIEM unavailable (HTTP #{resp.status})"
    }
  }
  step rotate "Rotate dependent secrets" {
    checklist "Rotate" as rotate_list {
      "CI deploy key",
      "Application database password",
      'Vault root token',
    }
    let ok = confirm("Were all secrets rotated?")
    if !ok { fail "rotation incomplete" }
  }
}

phase "Recovery" {
  step close "Close out" {
    resolve("Key deactivated and secrets rotated")
    action_item("Add secret scanning to pre-commit", owner: "platform", due: 14d)
  }
}
