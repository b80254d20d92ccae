# A module whose fn reads a name that does not exist.
fn greet() { return greeting }
