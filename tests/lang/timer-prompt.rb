# Escalation and every bodies run while the responder is busy: they cannot prompt,
# directly or through a fn that prompts (one of theirs or a module's).
runbook "Timers do not prompt" { severity P3 }

use "mod/asker.rb" as asker

fn ask_owner() {
  return ask("Who owns this?")
}
fn page_owner() {
  note "paging"
}

escalation {
  at 5m confirm "Page the backup?"             # expect-error: 15:9 a timer body cannot prompt: 'confirm'
  at 10m unless confirm("Acknowledged?") {     # expect-error: 16:17 a timer body cannot prompt: 'confirm'
    page_owner()
  }
  at 15m { let who = ask_owner() }             # expect-error: 19:22 a timer body cannot prompt: fn 'ask_owner' asks the responder (line 8)
  at 20m note asker.who()                      # expect-error: 20:15 a timer body cannot prompt: asker.who asks the responder
  at 25m note asker.hello()
}

every 10m until resolved {
  if true {
    choose "Still going?" {                    # expect-error: 26:5 a timer body cannot prompt: 'choose'
      "yes" => { note "ok" }
    }
  }
  checklist "Status" { "posted" }              # expect-error: 30:3 a timer body cannot prompt: 'checklist'
  note choose("Next?", ["a", "b"])             # expect-error: 31:8 a timer body cannot prompt: 'choose'
}

step s "S" {
  escalation {
    at 1m { note ask("Why?") }                 # expect-error: 36:18 a timer body cannot prompt: 'ask'
  }
  note ask_owner()                             # prompting in a step is fine
}
# expect-warning: 26:5 RB112
