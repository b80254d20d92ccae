# Used by ../use-cycle.rb, and uses it back: the cycle is reported here.
use "../use-cycle.rb" as main
fn hello() { return "hello" }
