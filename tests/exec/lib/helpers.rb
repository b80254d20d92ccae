# A module used by modules.rb: functions and globals only.
let greeting = "hello"
fn shout(s) { return upper(s) + "!" }
fn twice(s) { return s + s }
