# runbooks/change-request.rb — a change from request to production ("7.4 Change
# Management Process"): the change request (a structured form), the impact analysis, the
# stakeholder approval — a second person's, through `approve`, by the change approver and,
# for a high-risk change, the CTO as well —, the staging deployment with its smoke test,
# the production deployment (CodePipeline, "automated deployment pipelines"), the
# verification, and the rollback to the previous execution when production or its
# verification fails ("maintain previous configurations to quickly revert").
#
# The approver decides from another terminal on the same host:
#   runbook approve RUN --as alice            runbook reject RUN --as alice --reason "…"
# The person who runs the change cannot approve it.  An approval not given within
# `approval_timeout` escalates (the engineering lead hears at once) and ends the change.
runbook "Change request" {
  id       "change-request"
  severity P4
  owner    "IT Operations Team"
  summary  "A change to production, approved by a second person"
  tags     ["routine", "change"]
}

use notify
use "contacts.rb" as contacts

param change            = "Update the Main IVR contact flow"      "What changes, in one line"
param pipeline_staging  = "connect-staging"                         "CodePipeline of the staging environment"
param pipeline_prod     = "connect-prod"                            "CodePipeline of production"
param stage             = "Deploy"                                  "The pipelines' deployment stage"
param staging_url       = "https://staging.example.com/health"      "Staging health check"
param prod_url          = "https://api.example.com/health"          "Production health check"
param region            = env("AWS_REGION", "us-east-1")            "AWS region"
param approval_timeout: duration = 4h                               "How long an approval may take"

let state = {approved: false, previous: nil, risk: nil}

escalation "approval" {
  at 0m                         notify.send(contacts.change_approver, "Change request awaiting your approval: #{change} (#{incident.id})")
  at 1h unless state.approved   notify.send(contacts.change_approver, "Reminder: #{change} waits for approval (#{incident.id})")
  at 1d unless state.approved   notify.send(contacts.eng_lead, "Change request stuck without approval: #{change} (#{incident.id})")
}

# The status of a pipeline execution, polled until it ends: "Succeeded", "Failed", ….
fn pipeline_result(pipeline, id) {
  let st = "InProgress"
  for i in range(30) {
    let r = sh("aws codepipeline get-pipeline-execution --pipeline-name #{pipeline} --pipeline-execution-id #{id} --region #{region}",
               readonly: true, timeout: 30s)
    st = ((from_json(r.stdout) ?? {}).pipelineExecution ?? {}).status ?? "Unknown"
    if st != "InProgress" {
      return st
    }
    wait 1m "Waiting for #{pipeline}"
  }
  return st
}

# Start a pipeline and wait for it; fails the step unless it succeeds.
fn deploy(pipeline) {
  let r = sh("aws codepipeline start-pipeline-execution --name #{pipeline} --region #{region}", timeout: 1m)
  if not r.ok {
    fail "#{pipeline} did not start: #{r.stderr}"
  }
  let id = (from_json(r.stdout) ?? {}).pipelineExecutionId ?? "?"
  let result = pipeline_result(pipeline, id)
  if result != "Succeeded" {
    fail "#{pipeline} execution #{id}: #{result}"
  }
  timeline("#{pipeline} execution #{id} succeeded")
  return id
}

fn healthy(url) {
  return sh("curl -fsS --max-time 10 --retry 3 #{url}", readonly: true, timeout: 1m).ok
}

phase "Request" {
  step request "The change request" {
    incident.roles.requester = ask("Who requests the change?", key: "requester", default: "change owner")
    let reason = ask("Why is the change needed?", key: "reason", default: "see the ticket")
    let window = ask("When will it be applied?", key: "window", default: "the next maintenance window")
    note <<~TEXT
      CHANGE REQUEST #{incident.id}
      Change:     #{change}
      Requester:  #{incident.roles.requester}
      Reason:     #{reason}
      Window:     #{window}
      Staging:    #{pipeline_staging}; production: #{pipeline_prod}
      TEXT
    timeline("Change requested by #{incident.roles.requester}: #{change}")
  }
  step impact "Impact analysis" {
    checklist "Impact" as impact {
      "Who and what is affected (callers, agents, integrations)?"
      "Expected downtime or degradation during the change"
      "Data migrations or irreversible steps"
      "The rollback plan, tested in staging"
    }
    state.risk = choose("Risk of the change?", ["Low", "Medium", "High"], key: "risk")
    if state.risk == "High" {
      warn "High risk: the CTO approves as well, and the change goes in a maintenance window."
    }
    let prev = sh "aws codepipeline list-pipeline-executions --pipeline-name #{pipeline_prod} --max-items 5 --region #{region}" timeout 30s readonly
    for e in (from_json(prev.stdout) ?? {}).pipelineExecutionSummaries ?? [] {
      if state.previous == nil and (e.status ?? "") == "Succeeded" {
        state.previous = e.pipelineExecutionId
      }
    }
    note "Rollback target: production execution #{state.previous ?? "none found"}"
  }
}

phase "Approval" {
  step approval "Stakeholder approval" {
    approve "Approve the change \"#{change}\" (risk #{state.risk})?" as approve_change by role "change-approver" timeout approval_timeout
    if state.risk == "High" {
      approve "Approve the high-risk change \"#{change}\"?" as approve_cto by role "cto" timeout approval_timeout
    }
    state.approved = true
    timeline("Change approved")
  } on failure {
    warn "The change is not approved: nothing is deployed."
    goto not_approved
  }
}

phase "Staging" {
  step staging "Deploy to staging and test" {
    if not confirm("Deploy \"#{change}\" to staging?", key: "confirm_staging") {
      goto cancelled
    }
    deploy(pipeline_staging)
    if not healthy(staging_url) {
      fail "staging fails its health check after the deployment"
    }
    timeline("Staging deployed and healthy")
  } on failure {
    warn "Staging failed: production is untouched."
    goto not_deployed
  }
}

phase "Production" {
  step production "Deploy to production" {
    if not confirm("Deploy \"#{change}\" to production now?", key: "confirm_production") {
      goto cancelled
    }
    deploy(pipeline_prod)
  } on failure {
    warn "The production deployment failed: rolling back."
    goto roll_back
  }
  step verify "Verify production" {
    if not healthy(prod_url) {
      warn "Production fails its health check after the change: rolling back."
      timeline("Production unhealthy after the change")
      goto roll_back
    }
    checklist "Verification" as verification {
      "Calls route to agents as before"
      "The changed flow behaves as intended"
    }
    timeline("Change verified in production")
    goto close
  }
}

phase "Outcome" {
  step roll_back "Roll production back" {
    if not confirm("Roll #{pipeline_prod} back to execution #{state.previous ?? "?"}?", key: "confirm_rollback") {
      warn "Production is left as the failed change made it: roll it back by hand."
      timeline("Rollback declined by the operator")
      notify.send(contacts.change_approver, "Change failed in production, not rolled back: #{change} (#{incident.id})")
      abort "the change failed in production and was not rolled back"
    }
    sh "aws codepipeline rollback-stage --pipeline-name #{pipeline_prod} --stage-name #{stage} --target-pipeline-execution-id #{state.previous ?? ""} --region #{region}" timeout 1m
    let back = healthy(prod_url)
    timeline("Production rolled back to #{state.previous ?? "?"}; healthy: #{back}")
    action_item("Find out why \"#{change}\" failed in production although staging passed", owner: incident.roles.requester ?? "change owner", due: 7d)
    notify.send(contacts.change_approver, "Change rolled back: #{change} (#{incident.id})")
    abort "the change was rolled back"
  }
  step not_approved "Change not approved" {
    timeline("Change not approved")
    notify.send(contacts.change_approver, "Change closed without approval: #{change} (#{incident.id})")
    abort "the change was not approved"
  }
  step not_deployed "Change failed in staging" {
    action_item("Fix \"#{change}\" in staging before requesting it again", owner: incident.roles.requester ?? "change owner", due: 7d)
    abort "the change failed in staging"
  }
  step cancelled "Change cancelled" {
    timeline("Change cancelled by the operator")
    abort "the change was cancelled"
  }
  step close "Close the change" {
    resolve("Change deployed and verified: #{change}")
    notify.send(contacts.change_approver, "Change done: #{change} (#{incident.id})")
  }
}
