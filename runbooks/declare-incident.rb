# runbooks/declare-incident.rb — triage: is this an incident, how bad, who does what, and
# which playbook takes it from here.
#
# From the seeds: "Initial triage is performed to classify the incident severity (P1 to
# P4) and assign it to the appropriate response team" (Incident Response Plan); the
# urgency × impact priority matrix (Incident Management Procedure, 2.2, in
# stdlib/severity.rb); the four roles — incident commander, technical lead,
# communications lead, scribe (Incident Response Procedures, Incident Roles); the Slack
# announcement template (stdlib/templates.rb); and the severity-based notifications.
#
# A P1 that matches a playbook continues in that playbook, inside this run: the same
# incident, the same record, its escalation ladder measured from the start of this
# triage.  Anything else gets the seeds' generic response: the investigation checklist,
# the decision tree, status updates at the severity's cadence, resolution.

runbook "Declare an incident" {
  id       "declare-incident"
  severity P3                 # until triage says otherwise
  owner    "DevOps & Security Team"
  summary  "Triage: classify the severity, assign the roles, announce, hand over to the playbook"
  tags     ["triage", "declaration"]
  respond  within 15m         # somebody owns every declared incident within 15 minutes
}

use notify
use severity
use templates
use "contacts.rb" as contacts
use "common.rb" as common

param region = env("AWS_REGION", "us-east-1")   "AWS region, passed on to the playbook"
param doc    = ""                                "Link to the incident document, if there is one"

secret webhook     = env("SLACK_WEBHOOK", nil)         # #incident-response
secret status_page = env("STATUS_PAGE_WEBHOOK", nil)

# The playbooks a P1 can hand over to, by what is happening.
let playbooks = {
  "API completely unavailable (100% error rate)": "p1-service-down.rb",
  "Database unavailable (connection errors, 500s)": "p1-database-down.rb",
  "Security breach or unauthorized access":        "p1-security-breach.rb",
  "Data loss or corruption":                       "p1-data-loss.rb",
  "Something else":                                "",
}

let urgency_options = [
  "High: it is getting worse or losing money right now",
  "Medium: it hurts, but it is stable",
  "Low: it can wait for working hours",
]
let impact_options = [
  "High: most users, or a critical function (payments, login, data)",
  "Medium: some users, or an important feature",
  "Low: few users, cosmetic, or a workaround exists",
]

# "high", "medium" or "low": the first word of an option, in lower case.
fn level(option) {
  return lower(split(option, ":")[0])
}

phase "Triage" within 15m {
  step what "What is happening?" {
    let summary = ask("What is happening, in one line?", key: "summary")
    let category = choose("Which of these is it?", keys(playbooks), key: "category")
    timeline("Reported: #{summary}")
  }

  step classify "Classify the severity" {
    let urgency = level(choose("Urgency?", urgency_options, key: "urgency"))
    let impact = level(choose("Impact?", impact_options, key: "impact"))
    let priority = severity.priority(urgency, impact)
    note severity.describe(priority)
    if category != "Something else" and priority != P1 {
      warn "The seeds list \"#{category}\" among the P1 examples: check the impact again before settling on #{priority}."
    }
    if not confirm("Declare it #{priority} (#{severity.name(priority)})?", key: "accept_severity") {
      priority = severity.parse(choose("Which severity, then?", ["P1", "P2", "P3", "P4"], key: "severity"))
    }
    incident.severity = priority
    timeline("Classified #{priority}: urgency #{urgency}, impact #{impact}")
  }
}

phase "Mobilize" {
  step roles "Assign the roles" {
    let commander = ask("Incident commander (owns the response, decides, communicates)?", key: "commander")
    incident.commander = commander
    incident.roles.commander = commander
    incident.roles.tech_lead = ask("Technical lead (leads the investigation and the fix)?", key: "tech_lead")
    incident.roles.comms_lead = ask("Communications lead (status page, customers, support)?", key: "comms_lead")
    incident.roles.scribe = ask("Scribe (timeline, decisions, action items)?", key: "scribe")
    acknowledge()
    timeline("Roles: IC #{commander}, tech lead #{incident.roles.tech_lead}, comms #{incident.roles.comms_lead}, scribe #{incident.roles.scribe}")
  }

  step announce "Announce the incident" {
    let fields = {impact: summary}
    if doc != "" {
      fields.doc = doc
    }
    notify.status(webhook, templates.declared_for_incident(fields))
    # Nothing about a breach goes on the public status page before legal has approved it.
    if severity.status_page(incident.severity) and category != "Security breach or unauthorized access" {
      notify.status(status_page, templates.status_page({title: summary, what: lower(summary), severity: incident.severity}))
    }
    # Severity-based notifications.  A P1 playbook's own ladder tells the engineering lead
    # and the CTO at its 0m rungs, so they are told here only when no playbook takes over.
    let playbook = playbooks[category]
    if incident.severity == P1 and playbook == "" {
      notify.send(contacts.eng_lead, "P1 declared: #{summary} (#{incident.id})")
      notify.send(contacts.cto, "P1 declared: #{summary} (#{incident.id})")
    } elif incident.severity == P2 {
      notify.send(contacts.eng_lead, "P2 declared: #{summary} (#{incident.id})")
    } elif incident.severity == P3 {
      action_item("Brief the engineering lead on #{incident.id}", owner: commander, due: 1d)
    } elif incident.severity == P4 {
      action_item("Ticket for #{incident.id}: #{summary}", owner: commander, due: 3d)
    }
    timeline("Incident declared (#{incident.severity}) in #incident-response")
  }
}

phase "Respond" {
  step handover "Hand over to the playbook" {
    if incident.severity != P1 or playbook == "" {
      goto respond
    }
    note "Continuing in runbooks/#{playbook}."
    timeline("Handed over to #{playbook}")
    if playbook == "p1-service-down.rb" {
      run "p1-service-down.rb" with {region: region, declared: true}
    } elif playbook == "p1-database-down.rb" {
      run "p1-database-down.rb" with {region: region}
    } elif playbook == "p1-security-breach.rb" {
      run "p1-security-breach.rb" with {region: region, declared: true}
    } else {
      run "p1-data-loss.rb" with {region: region, declared: true}
    }
    goto wrap_up
  }

  step respond "Respond without a dedicated playbook" {
    escalation {
      at 0m                      notify.page(contacts.primary, "#{incident.severity}: #{summary} (#{incident.id})")
      at 15m unless acknowledged notify.page(contacts.backup, "#{incident.severity} unacknowledged: #{summary}")
      at 30m when incident.severity == P1 or incident.severity == P2 {
        notify.send(contacts.eng_lead, "#{incident.severity} open 30m: #{summary}")
      }
      at 60m when incident.severity == P1 {
        notify.send(contacts.cto, "#{incident.severity} open 60m: #{summary}")
      }
    }
    every severity.update_every(incident.severity) ?? 4h until resolved {
      notify.status(webhook, templates.update_for_incident({impact: summary, update: "The response team is working on it."}))
    }
    checklist("Investigation", common.investigation, key: "investigation")
    choose "Decision tree: what fits?" as decision {
      "A recent deployment" => {
        note "Roll back to the previous version (runbooks/p1-service-down.rb has the ECS rollback)."
      }
      "Resource exhaustion" => {
        note "Scale up the resources that ran out."
      }
      "A third-party service issue" => {
        note "Implement a workaround or wait for the provider; tell support which provider."
      }
      "None of these" => {
        note "Continue the investigation: logs, metrics, traces, dependencies."
      }
    }
    incident.status = "identified"
    checklist "Resolution" as verification {
      "All monitoring metrics return to normal"
      "Error rates below threshold"
      "User reports confirm fix"
      "No new related issues"
    }
    confirm "Mark the incident resolved?" as confirm_resolve
    let root_cause = ask("Root cause, in one line:", key: "root_cause")
    resolve(root_cause)
    notify.status(webhook, templates.resolved_for_incident({summary: "#{summary}: resolved. Cause: #{root_cause}."}))
  }

  step wrap_up "Wrap up the declaration" {
    if playbook == "" or incident.severity != P1 {
      # (a playbook hands over to the post-mortem itself)
      action_item("Post-mortem of #{incident.id} within 48 hours", owner: incident.commander ?? "Incident commander", due: 2d)
    }
    note "Draft: runbook report #{incident.id} --format md"
  }
}
