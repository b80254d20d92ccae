# A global name is declared once; fn parameters have distinct names; param types are known.
runbook "Duplicates" { severity P3 }

use "contacts.rb"
param region = "eu"
let region = "us"                     # expect-error: 6:5 'region' is already declared (as a param at line 5)
secret contacts = env("X")            # expect-error: 7:8 'contacts' is already declared (as a module at line 4)
param tries: integer = 3              # expect-error: 8:14 unknown param type 'integer'

fn area(w, w) {                       # expect-error: 10:12 fn 'area' has two parameters named 'w'
  return w * w
}
fn area() { return 0 }                # expect-error: 13:4 'area' is already declared (as a fn at line 10)

step show "Show" { note "#{region} #{tries} #{area(1, 2)}" }
