# A module whose fn prompts: calling it from a timer body is an error.
fn who() { return ask("Who is on call?") }
fn hello() { return "hello" }
