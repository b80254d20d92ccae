runbook "Parent" { severity P2 }
step triage "Triage" {
  let which = choose("Which playbook?", ["child", "none"], key: "which")
  if which == "child" {
    run "lib/child.rb" with {target: "db-1", count: 2}
  }
  note "back in the parent: #{incident.severity}"
}
