# tests/stdlib/escalation.rb — stdlib/escalation.rb: the ladder, the severity × time
# matrix and notify_due, which must never prompt.
#
# `escalation` is a soft keyword: `use escalation` works too; the tests use a short alias.
runbook "stdlib: escalation" {
  id       "test-stdlib-escalation"
  severity P4
  owner    "runbook tests"
}

use escalation as esc
use "lib/assert.rb" as t

fn whos(rungs) {
  let out = []
  for r in rungs {
    push(out, r.who)
  }
  return out
}

step ladder "The time-based ladder as data" {
  t.eq("four rungs", len(esc.ladder), 4)
  t.eq("rung times", [esc.ladder[0].at, esc.ladder[1].at, esc.ladder[2].at, esc.ladder[3].at], [0m, 15m, 30m, 60m])
  t.eq("rung roles", whos(esc.ladder), ["primary", "backup", "eng_lead", "cto"])
  t.eq("conditions", [esc.ladder[0].condition, esc.ladder[1].condition, esc.ladder[2].condition, esc.ladder[3].condition],
       ["always", "unacknowledged", "always", "always"])
  t.eq("actions", [esc.ladder[0].action, esc.ladder[1].action, esc.ladder[2].action, esc.ladder[3].action],
       ["page", "page", "send", "send"])
  t.eq("role_name(cto)", esc.role_name("cto"), "VP Engineering / CTO")
  t.eq("role_name(unknown)", esc.role_name("sre"), "sre")
  t.done()
}

step due "Rungs due by elapsed time, with and without acknowledgement" {
  # elapsed → rungs due when nobody has acknowledged / when someone has
  let cases = [
    [0m,  ["primary"],                               ["primary"]],
    [14m, ["primary"],                               ["primary"]],
    [14m59s, ["primary"],                            ["primary"]],
    [15m, ["primary", "backup"],                     ["primary"]],
    [29m, ["primary", "backup"],                     ["primary"]],
    [30m, ["primary", "backup", "eng_lead"],         ["primary", "eng_lead"]],
    [59m, ["primary", "backup", "eng_lead"],         ["primary", "eng_lead"]],
    [60m, ["primary", "backup", "eng_lead", "cto"],  ["primary", "eng_lead", "cto"]],
    [1h,  ["primary", "backup", "eng_lead", "cto"],  ["primary", "eng_lead", "cto"]],
    [24h, ["primary", "backup", "eng_lead", "cto"],  ["primary", "eng_lead", "cto"]],
  ]
  for c in cases {
    let label = format_duration(c[0])
    t.eq("due(#{label}, unacknowledged)", whos(esc.due(c[0], false)), c[1])
    t.eq("due(#{label}, acknowledged)", whos(esc.due(c[0], true)), c[2])
  }
  t.eq("due returns whole rungs", esc.due(15m, false)[1], esc.ladder[1])
  t.eq("due before the start", esc.due(-1m, false), [])
  t.done()
}

step next "The next rung" {
  t.eq("next at 0m", esc.next_rung(0m, false).who, "backup")
  t.eq("next at 0m, acknowledged", esc.next_rung(0m, true).who, "eng_lead")
  t.eq("next at 14m", esc.next_rung(14m, false).at, 15m)
  t.eq("next at 15m", esc.next_rung(15m, false).who, "eng_lead")
  t.eq("next at 29m", esc.next_rung(29m, true).at, 30m)
  t.eq("next at 30m", esc.next_rung(30m, false).who, "cto")
  t.eq("next at 60m", esc.next_rung(60m, false), nil)
  t.eq("next at 2h", esc.next_rung(2h, true), nil)
  t.done()
}

step plan "The ladder per severity" {
  t.eq("plan(P1) roles", whos(esc.plan(P1)), ["primary", "eng_lead", "cto", "backup"])
  t.eq("plan(P1) eng lead at once", whos(esc.due_in(esc.plan(P1), 0m, true)), ["primary", "eng_lead", "cto"])
  t.eq("plan(P1) backup at 15m", whos(esc.due_in(esc.plan(P1), 15m, false)), ["primary", "eng_lead", "cto", "backup"])
  t.eq("plan(P2) is the ladder", esc.plan(P2), esc.ladder)
  t.eq("plan(P2) eng lead at 30m", whos(esc.due_in(esc.plan("P2"), 29m, false)), ["primary", "backup"])
  t.eq("plan(P3) primary only", whos(esc.plan(P3)), ["primary"])
  t.eq("plan(P4) nothing", esc.plan(P4), [])
  t.eq("plan(unknown)", esc.plan("P7"), nil)
  t.eq("next_in plan(P1) at 0m", esc.next_in(esc.plan(P1), 0m, false).who, "backup")
  t.eq("next_in plan(P1) at 0m, acknowledged", esc.next_in(esc.plan(P1), 0m, true), nil)
  t.done()
}

step matrix "The severity × time-elapsed matrix" {
  # Incident Management Procedure 5.1, Escalation Matrix.
  t.eq("P1 at 29m", esc.contacts_for(P1, 29m), [])
  t.eq("P1 at 30m", esc.contacts_for(P1, 30m), ["it_manager"])
  t.eq("P1 at 1h",  esc.contacts_for(P1, 1h),  ["it_manager", "cto"])
  t.eq("P1 at 2h",  esc.contacts_for(P1, 2h),  ["it_manager", "cto", "ceo"])
  t.eq("P1 at 4h",  esc.contacts_for(P1, 4h),  ["it_manager", "cto", "ceo", "board"])
  t.eq("P2 at 30m", esc.contacts_for(P2, 30m), ["it_manager"])
  t.eq("P2 at 1h",  esc.contacts_for(P2, 1h),  ["it_manager"])
  t.eq("P2 at 2h",  esc.contacts_for(P2, 2h),  ["it_manager", "cto"])
  t.eq("P2 at 4h",  esc.contacts_for(P2, 4h),  ["it_manager", "cto"])
  t.eq("P3 at 30m", esc.contacts_for(P3, 30m), [])
  t.eq("P3 at 1h",  esc.contacts_for(P3, 1h),  ["it_manager"])
  t.eq("P3 at 2h",  esc.contacts_for(P3, 2h),  ["it_manager"])
  t.eq("P3 at 4h",  esc.contacts_for(P3, 4h),  ["it_manager", "cto"])
  t.eq("P4 at 8h",  esc.contacts_for(P4, 8h),  [])
  t.eq("string severity", esc.contacts_for("p1", 1h), ["it_manager", "cto"])
  t.eq("unknown severity", esc.contacts_for("P5", 1h), nil)
  t.eq("P2 repeats in matrix_due", whos(esc.matrix_due(P2, 4h)), ["it_manager", "it_manager", "cto", "cto"])
  t.done()
}

step notify "notify_due notifies each rung once" {
  let people = {
    primary:  {name: "Primary on-call"},
    backup:   {name: "Backup on-call"},
    eng_lead: {name: "Engineering lead"},
  }
  esc.reset()
  t.eq("0m: primary paged", whos(esc.notify_due(people, 0m, false, "DB down")), ["primary"])
  t.eq("10m: nothing new", esc.notify_due(people, 10m, false, "DB down"), [])
  let r = esc.notify_due(people, 16m, false, "DB down")
  t.eq("16m: backup paged", whos(r), ["backup"])
  t.eq("16m: through notify.page", r[0].result.ok, false)
  t.eq("16m: action", r[0].action, "page")
  t.eq("20m acknowledged: nothing", esc.notify_due(people, 20m, true, "DB down"), [])
  let late = esc.notify_due(people, 61m, true, "DB down")
  t.eq("61m: eng lead and cto", whos(late), ["eng_lead", "cto"])
  t.eq("61m: cto has no contact", late[1].result, nil)
  t.eq("61m: eng lead sent", late[0].action, "send")
  t.eq("again: nothing", esc.notify_due(people, 2h, false, "DB down"), [])
  esc.reset()
  t.eq("after reset: all due again", whos(esc.notify_due(people, 2h, true, "DB down")), ["primary", "eng_lead", "cto"])
  esc.reset()
  let p1 = esc.notify_due_in(esc.plan(P1), people, 0m, false, "P1")
  t.eq("plan(P1) at 0m", whos(p1), ["primary", "eng_lead", "cto"])
  esc.reset()
  t.done()
}

step describe "describe() for the responder" {
  let d = esc.describe(esc.ladder)
  note d
  t.has("describe: primary", d, "   0m  Primary on-call (page) — Primary on-call responds")
  t.has("describe: backup", d, "  15m  Backup on-call (page, unless acknowledged)")
  t.has("describe: cto", d, "  60m  VP Engineering / CTO (send)")
  t.eq("describe(empty)", esc.describe([]), "(no escalation)")
  t.done()
}

# The functions are used where they belong: in timers, which may not prompt.
escalation {
  at 0m { esc.notify_due({primary: {name: "Timer test"}}, 0m, false, "timer check") }
}
every 1h until resolved {
  note esc.describe(esc.due(incident.elapsed, acknowledged))
}
