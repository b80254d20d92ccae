# runbooks/p2-worker-queue-down.rb
#
# From "Incident Response Procedures" (P2 High Priority Incidents → Film Generation
# Service Down): the worker/queue service is down.  Investigation: the GPU workers' state
# (EC2, tag Name=gpu-worker), the job queue (SQS attributes: depth, in flight, oldest
# message), the worker logs of the last 30 minutes.  Response: restart stuck workers, scale
# up worker capacity, clear stuck jobs from the queue, investigate model loading issues.
#
# A P2 like p2-high-error-rate.rb: the same ladder, the same half-hour updates with the
# escalation matrix and stakeholder updates (stdlib/comms.rb, through runbooks/response.rb).
runbook "P2 — Worker/queue service down" {
  id       "p2-worker-queue-down"
  severity P2
  owner    "DevOps & Security Team"
  summary  "Jobs are not processed: the GPU workers or the queue are down"
  tags     ["workers", "queue", "gpu", "p2"]
  respond  within 1h
  resolve  within 8h
}

use notify
use "response.rb" as response
use aws
use "contacts.rb" as contacts

param region      = env("AWS_REGION", "us-east-1")                               "AWS region"
param worker_tag  = "gpu-worker"                                                  "Name tag of the GPU workers"
param asg         = "gpu-workers"                                                 "Auto Scaling group of the workers"
param queue_url   = env("JOBS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/prod-jobs") "The job queue"
param log_group   = "/aws/ec2/gpu-worker"                                         "The workers' log group"
param model_param = "/prod/gpu-worker/model-version"                              "SSM parameter naming the model the workers load"
param drained_below: number = 100                                                 "Queue depth that counts as drained"
param monitor_for: duration = 30m                                                 "How long to watch after the fix"
secret webhook     = env("SLACK_WEBHOOK", nil)
secret status_hook = env("STATUS_PAGE_WEBHOOK", nil)

let impact = "Film generation jobs are not processed"
let state = response.new_state("We are investigating stalled film generation jobs.")


# The workers as [{id, state}].
fn workers() {
  let r = sh("aws ec2 describe-instances --filters Name=tag:Name,Values=#{worker_tag} --query Reservations --region #{region}",
             readonly: true, timeout: 30s)
  let out = []
  for res in (aws.parse(r) ?? {}).Reservations ?? [] {
    for i in res.Instances ?? [] {
      push(out, {id: i.InstanceId ?? "?", state: (i.State ?? {}).Name ?? "?"})
    }
  }
  return out
}

# The queue depth (messages waiting), or nil when SQS does not answer.
fn queue_depth() {
  let r = sh("aws sqs get-queue-attributes --queue-url #{queue_url} --attribute-names All --region #{region}",
             readonly: true, timeout: 30s)
  let a = (aws.parse(r) ?? {}).Attributes
  if a == nil {
    return nil
  }
  return num(a.ApproximateNumberOfMessages ?? "0")
}

escalation response.p2_ladder()
every response.p2_updates(webhook, impact, state)
phase response.detection(webhook, impact)

phase "Assessment" within 15m {
  step status_page "Update the status page" {
    response.post_status_page(status_hook, state, "Film Generation Delayed", "delays in film generation")
  }
  step gpu "Check the GPU workers" {
    let all = workers()
    let down = []
    for w in all {
      if w.state != "running" {
        push(down, "#{w.id} (#{w.state})")
      }
    }
    if len(all) == 0 {
      warn "No GPU worker found with Name=#{worker_tag}: the fleet is gone or the tag changed."
    } elif len(down) > 0 {
      warn "#{len(down)} of #{len(all)} worker(s) not running: #{join(down, ", ")}"
    } else {
      note "All #{len(all)} worker(s) running."
    }
  }
  step queue "Check the job queue" {
    let depth = queue_depth()
    if depth == nil {
      warn "SQS did not answer for #{queue_url}: the queue itself may be the problem."
    } else {
      note "#{depth} job(s) waiting."
    }
  }
  step logs "Check the worker logs" {
    let tail = sh "aws logs tail #{log_group} --since 30m --region #{region}" timeout 1m readonly
    let text = lower(tail.stdout)
    let model_errors = contains(text, "model") and (contains(text, "load") or contains(text, "not found"))
    let oom = contains(text, "out of memory")
    if model_errors {
      warn "The workers fail to load the model."
    } elif oom {
      warn "The workers run out of GPU memory."
    } elif trim(tail.stdout) == "" {
      warn "The workers logged nothing in 30 minutes: they may be hung."
    }
  }
  step triage "What stops the jobs?" {
    let likely = "Workers stuck"
    if model_errors {
      likely = "Model loading fails"
    } elif len(down) == 0 and depth != nil and depth > 1000 {
      likely = "Not enough worker capacity"
    }
    note "The evidence points to: #{likely}"
    choose "What stops the jobs?" as cause {
      "Workers stuck"               => { goto restart_workers }
      "Not enough worker capacity"  => { goto scale_workers }
      "Stuck jobs block the queue"  => { goto clear_jobs }
      "Model loading fails"         => { goto model }
    }
  }
}

phase "Response" {
  step restart_workers "Restart the stuck workers" {
    response.identified(state, "stuck GPU workers",
                        "The GPU workers are stuck; we are restarting them.")
    let ids = []
    for w in all {
      push(ids, w.id)
    }
    confirm "Restart #{len(ids)} worker(s): #{join(ids, " ")}?" as confirm_restart
    let running = []
    let stopped = []
    for w in all {
      if w.state == "running" {
        push(running, w.id)
      } else {
        push(stopped, w.id)
      }
    }
    if len(running) > 0 {
      sh "aws ec2 reboot-instances --instance-ids #{raw(join(running, " "))} --region #{region}" timeout 2m
    }
    if len(stopped) > 0 {
      sh "aws ec2 start-instances --instance-ids #{raw(join(stopped, " "))} --region #{region}" timeout 2m
    }
    timeline("Restarted the GPU workers")
    state.fix = "restarted the GPU workers"
    response.follow_up(state, "Add a liveness check that restarts a hung worker")
    goto verify
  }
  step scale_workers "Scale up worker capacity" {
    response.identified(state, state.cause ?? "too little worker capacity",
                        "We are adding GPU workers to catch up with the queue.")
    let count = ask("Scale #{asg} to how many workers?", default: "6", pattern: "^[0-9]+$", key: "worker_count")
    confirm "Set #{asg}'s desired capacity to #{count}?" as confirm_scale
    sh "aws autoscaling set-desired-capacity --auto-scaling-group-name #{asg} --desired-capacity #{count} --region #{region}" timeout 1m
    timeline("Scaled #{asg} to #{count}")
    state.fix = state.fix ?? "scaled the workers to #{count}"
    response.follow_up(state, "Scale the workers on queue depth")
    goto verify
  }
  step clear_jobs "Clear the stuck jobs from the queue" {
    response.identified(state, "stuck jobs blocking the queue",
                        "Stuck jobs block the queue; we are clearing them (their owners will resubmit).")
    warn "Purging deletes every waiting job: export the job ids first so that they can be resubmitted."
    confirm "Purge #{queue_url}?" as confirm_purge
    sh "aws sqs purge-queue --queue-url #{queue_url} --region #{region}" timeout 1m
    timeline("Purged the job queue")
    state.fix = "cleared the stuck jobs"
    response.follow_up(state, "Resubmit the purged jobs; add a dead-letter queue so one bad job cannot block the rest")
    goto verify
  }
  step model "Investigate the model loading" {
    response.identified(state, "the workers failing to load the model",
                        "The workers cannot load the model; we are switching to the previous model version.")
    checklist "Model loading" as model_checks {
      "The model artifact exists where the workers look for it"
      "The workers have GPU memory for it"
      "The model version was changed recently"
    }
    let previous = ask("Switch the workers to which model version?", default: "previous", key: "model_version")
    confirm "Set #{model_param} to #{previous} and restart the workers?" as confirm_model
    sh "aws ssm put-parameter --name #{model_param} --value #{previous} --type String --overwrite --region #{region}" timeout 30s
    timeline("Workers switched to model #{previous}")
    state.fix = "switched the workers to model #{previous}"
    response.follow_up(state, "Load-test a new model version on one worker before rolling it out")
    goto restart_workers
  }
}

phase "Resolution" {
  step verify "Verify the queue drains" {
    response.monitoring(state, "A fix is in place (#{state.fix ?? "see timeline"}); the queue is draining.")
    let drained = false
    for i in range(6) {
      let d = queue_depth()
      if d != nil and d < drained_below {
        drained = true
        break
      }
      note "Queue depth #{d ?? "unknown"}; checking again in 5 minutes."
      wait 5m "Waiting for the queue to drain"
    }
    if not drained {
      response.not_fixed("The queue has not drained in 30 minutes: back to triage.", "The queue did not drain")
      goto triage
    }
    response.watch_and_resolve(monitor_for, "Jobs flow again: #{state.fix ?? "fixed"}")
  }
  step response.announcement(webhook, status_hook, state, "Film generation")
}

phase response.postmortem(state)
