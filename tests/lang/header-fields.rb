# Header fields take values of the right kind.
runbook "Bad fields" {
  id       42                   # expect-error: 3:12 'id' takes a string, not a number
  severity "high"               # expect-error: 4:12 severity takes P1, P2, P3 or P4, not a string
  owner    ["a", "b"]           # expect-error: 5:12 'owner' takes a string, not a list
  tags     "database"           # expect-error: 6:12 'tags' takes a list of strings
  respond  15m                  # expect-error: 7:3 write 'respond within D'
  resolve  within 4             # expect-error: 8:19 expected a duration like 15m after 'resolve within'
  summary  within 5m            # expect-error: 9:3 'within' only follows 'respond' and 'resolve'
  id       "dup"                # expect-error: 10:3 header field 'id' is given twice (first at line 3)
}
