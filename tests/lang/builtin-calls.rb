# Builtins take the number of arguments and the named options their table says.
runbook "Builtin calls" { severity P3 }

step calls "Calls" {
  note len("a", "b")                       # expect-error: 5:8 len() takes 1 argument, 2 given
  note env()                               # expect-error: 6:8 env() takes 1 to 2 arguments, 0 given
  note replace("abc", "a")                 # expect-error: 7:8 replace() takes 3 arguments, 2 given
  note max()                               # expect-error: 8:8 max() takes at least 1 argument, 0 given
  note ask("Name?", defualt: "x")          # expect-error: 9:21 ask() has no option 'defualt'
  note upper("a", case: "x")               # expect-error: 10:19 upper() takes no named options
  note incident()                          # expect-error: 11:8 'incident' is a value, not a function
  acknowledge(); resolve(); resolve("done")
  note max(1, 2, 3) + min([4, 5])
}
