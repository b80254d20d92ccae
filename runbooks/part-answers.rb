# runbooks/part-answers.rb — for the playbooks' tests (runbooks/*.test.rb), not for runs:
# the answers to the questions that the shared parts of common.rb and response.rb ask,
# scripted once.  A test file uses it as `use "part-answers.rb" as part`, and a question
# of a part that changes is changed here rather than in every test.

use "common.rb" as common

# The Detection phase (common.detection, response.detection): "is the alert acknowledged?"
# answered `ack` ("yes" or "no") after `after` (0m: at once), then the incident
# commander named.
fn detection(ack, after, commander) {
  answer("ack", ack, after: after)
  answer("commander", commander)
}

# The Scoping step (common.scope): every item of the investigation checklist done.
fn investigation() {
  for i in range(1, len(common.investigation) + 1) {
    answer("investigation.#{i}", "done")
  }
}
