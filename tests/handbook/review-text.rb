# tests/handbook/review-text.rb — hostile text in the record (Markdown table and code
# syntax, HTML, line breaks) for the review pack to keep in its place.
runbook "Review | text `check`" {
  id       "review-text"
  severity P3
  respond  within 4h
  resolve  within 24h
}

step roles "Roles" {
  incident.commander = ask("Commander?", key: "commander")
  let cause = ask("Root cause?", key: "root_cause")
  timeline("Cause: #{cause}")
  action_item("Fix <b>it</b> | now", owner: "ops|team", due: 1d)
  resolve("done ``` fenced")
}
