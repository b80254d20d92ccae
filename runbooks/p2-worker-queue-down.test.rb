# Tests of the worker/queue playbook (runbook test runbooks/): see docs/testing.md.
# EC2 (the GPU workers), SQS (the job queue), the worker logs, Auto Scaling and SSM are
# stubbed with what the playbook reads.

use "part-answers.rb" as part

# The GPU workers: one instance per state, i-gpu1, i-gpu2, … (none for []).
fn fleet(states) {
  let instances = []
  for i in range(len(states)) {
    push(instances, "{\"InstanceId\": \"i-gpu#{i + 1}\", \"State\": {\"Name\": \"#{states[i]}\"}}")
  }
  let reservations = ""
  if len(instances) > 0 {
    reservations = "{\"Instances\": [#{join(instances, ", ")}]}"
  }
  stub_sh("aws ec2 describe-instances *", stdout: "{\"Reservations\": [#{reservations}]}")
}

# The queue depth, one look per value (nil: SQS does not answer); the last value stays.
fn depths(values) {
  for i in range(len(values)) {
    let times = 1
    if i == len(values) - 1 {
      times = 1000
    }
    if values[i] == nil {
      stub_sh("aws sqs get-queue-attributes *", exit: 255, stderr: "Could not connect to the endpoint URL", times: times)
    } else {
      stub_sh("aws sqs get-queue-attributes *",
              stdout: "{\"Attributes\": {\"ApproximateNumberOfMessages\": \"#{values[i]}\"}}", times: times)
    }
  }
}

fn logs(text) {
  stub_sh("aws logs tail *", stdout: text)
}

fn start(ack, ack_after) {
  part.detection(ack, ack_after, "li")
}

# The commands that changed something (EC2, Auto Scaling, SQS, SSM), as shown.
fn changes(r) {
  let out = []
  for c in r.commands {
    if not (starts_with(c, "aws ec2 describe") or starts_with(c, "aws sqs get-queue-attributes") or starts_with(c, "aws logs")) {
      push(out, c)
    }
  }
  return out
}

fn count(r, prefix) {
  let n = 0
  for c in r.commands {
    if starts_with(c, prefix) {
      n = n + 1
    }
  }
  return n
}

test "one worker stopped, the logs silent: restart both (reboot one, start the other); the queue drains" {
  start("yes", 4m)
  fleet(["running", "stopped"])
  depths([4200, 3000, 50])
  logs("")
  stub_sh("aws ec2 reboot-instances *")
  stub_sh("aws ec2 start-instances *")
  answer("cause", "Workers stuck")
  answer("confirm_restart", "yes")
  answer("root_cause", "a hung worker")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_steps(r, ["ack", "declare", "status_page", "gpu", "queue", "logs", "triage", "restart_workers", "verify",
                   "announce", "postmortem"])
  expect(changes(r) == ["aws ec2 reboot-instances --instance-ids i-gpu1 --region 'us-east-1'",
                        "aws ec2 start-instances --instance-ids i-gpu2 --region 'us-east-1'"],
         "the running worker rebooted, the stopped one started: #{changes(r)}")
  expect(count(r, "aws sqs get-queue-attributes") == 3, "the queue looked at until it drained")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_not_notified(r, "Backup on-call")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_notified(r, "IT Manager", at: 30m)
  expect_notified(r, "Customer support", at: 30m)
  expect_incident(r, "resolved", true)
  expect(r.minutes == 39, "resolved after 5m of draining and 30m of watching (#{r.minutes}m)")
  expect_status(r, "finished")
}

test "no worker, SQS down at first: scaled up, the queue never drains, the stuck jobs purged" {
  start("no", 1m)
  fleet([])
  depths([nil, 4200, 4200, 4200, 4200, 4200, 4200, 0])
  logs("worker idle\nworker idle")
  stub_sh("aws autoscaling set-desired-capacity *")
  stub_sh("aws sqs purge-queue *")
  answer("cause", "Not enough worker capacity")
  answer("worker_count", "8")
  answer("confirm_scale", "yes")
  answer("cause", "Stuck jobs block the queue")
  answer("confirm_purge", "yes")
  answer("root_cause", "a poison job")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_steps(r, ["ack", "declare", "status_page", "gpu", "queue", "logs", "triage", "scale_workers", "verify",
                   "triage", "clear_jobs", "verify", "announce", "postmortem"])
  expect(changes(r) == [
    "aws autoscaling set-desired-capacity --auto-scaling-group-name 'gpu-workers' --desired-capacity '8' --region 'us-east-1'",
    "aws sqs purge-queue --queue-url 'https://sqs.us-east-1.amazonaws.com/123456789012/prod-jobs' --region 'us-east-1'",
  ], "scaled, then purged: #{changes(r)}")
  expect_no_command(r, "aws ec2 reboot-instances *")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "out of GPU memory, every worker running, 4200 waiting: capacity suggested, both rebooted" {
  start("yes", 2m)
  fleet(["running", "running"])
  depths([4200, 10])
  logs("CUDA error: out of memory")
  stub_sh("aws ec2 reboot-instances *")
  answer("cause", "Workers stuck")
  answer("confirm_restart", "yes")
  answer("root_cause", "memory")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_steps(r, ["ack", "declare", "status_page", "gpu", "queue", "logs", "triage", "restart_workers", "verify",
                   "announce", "postmortem"])
  expect(changes(r) == ["aws ec2 reboot-instances --instance-ids i-gpu1 i-gpu2 --region 'us-east-1'"],
         "both rebooted, nothing started: #{changes(r)}")
  expect_no_command(r, "aws ec2 start-instances *")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "the model does not load: the previous model, the restart declined, scaled instead" {
  start("yes", 1m)
  fleet(["running"])
  depths([4200, 20])
  logs("ERROR model load failed: weights not found")
  stub_sh("aws ssm put-parameter *")
  stub_sh("aws autoscaling set-desired-capacity *")
  answer("cause", "Model loading fails")
  for i in range(1, 4) {
    answer("model_checks.#{i}", "done")
  }
  answer("model_version", "v41")
  answer("confirm_model", "yes")
  answer("confirm_restart", "no")
  answer("worker_count", "4")
  answer("confirm_scale", "yes")
  answer("root_cause", "model v42 missing")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_steps(r, ["ack", "declare", "status_page", "gpu", "queue", "logs", "triage", "model", "restart_workers",
                   "scale_workers", "verify", "announce", "postmortem"])
  expect(changes(r) == [
    "aws ssm put-parameter --name '/prod/gpu-worker/model-version' --value 'v41' --type String --overwrite --region 'us-east-1'",
    "aws autoscaling set-desired-capacity --auto-scaling-group-name 'gpu-workers' --desired-capacity '4' --region 'us-east-1'",
  ], "the model switched, no restart, scaled: #{changes(r)}")
  expect_no_command(r, "aws ec2 reboot-instances *")
  expect_status(r, "finished")
}

test "declined gates: no scaling, no purge, no model switch; nothing changes" {
  start("yes", 1m)
  fleet(["running"])
  depths([10])
  logs("ok")
  answer("cause", "Not enough worker capacity")
  answer("worker_count", "6")
  answer("confirm_scale", "no")
  answer("confirm_purge", "no")
  for i in range(1, 4) {
    answer("model_checks.#{i}", "n/a")
  }
  answer("model_version", "previous")
  answer("confirm_model", "no")
  answer("root_cause", "it passed")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_steps(r, ["ack", "declare", "status_page", "gpu", "queue", "logs", "triage", "scale_workers", "clear_jobs",
                   "model", "verify", "announce", "postmortem"])
  expect(changes(r) == [], "nothing changed: #{changes(r)}")
  expect_status(r, "finished")
}

test "every worker stopped: started, none rebooted" {
  start("yes", 1m)
  fleet(["stopped", "terminated"])
  depths([300, 30])
  logs("")
  stub_sh("aws ec2 start-instances *")
  answer("cause", "Workers stuck")
  answer("confirm_restart", "yes")
  answer("root_cause", "the workers were stopped")
  let r = run_runbook("p2-worker-queue-down.rb")
  expect_order(r, ["gpu", "triage", "restart_workers", "verify", "announce"])
  expect(changes(r) == ["aws ec2 start-instances --instance-ids i-gpu1 i-gpu2 --region 'us-east-1'"],
         "both started: #{changes(r)}")
  expect_no_command(r, "aws ec2 reboot-instances *")
  expect_status(r, "finished")
}
