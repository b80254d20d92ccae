# drill.rb — a short game-day drill that exercises odd corners of the syntax.
runbook "Game day drill" {
  id "drill"
  severity P4
  owner "SRE"
  summary <<~EOT
    A drill, not an incident: #{"nested #{'quotes'} inside"}.
    Tabs	and "quotes" and \#{not interpolated} and unicode — ✓ ünïcödé.
  EOT
  tags ["drill"]
  respond within 1h
  resolve within 1d
}

let weights = {p1: 4, p2: 3, "p3": 2, p4: 1}
let nested = [[1, 2], [3, [4, {k: [5]}]], []]
let flag = true && !false || nil == nil
let ratio = -(3.5 + 2) * 4 / 2 % 3
let dur = 1h30m + 250ms - 2d
let sev = P2
let s = "tab\tnl\nquote\"backslash\\hash\#esc\e"
let raw = 'no #{interp} here \' ok'

fn fib(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}

fn describe(x, verbose) {
  let out = ""
  if x in [1, 2, 3] { out = "small" } elif x in weights { out = "key" } else { out = "other" }
  if verbose { out = out + " (#{x})" }
  return out
}

step warmup "Warm up" {
  note "fib(10) = #{fib(10)}; describe = #{describe(2, verbose: true)}"
  let answers = {}
  answers["first"] = ask("Your name?", default: "drill")
  answers.second = confirm("Ready?")
  note <<~EOT
    Hello #{answers["first"]},
      ready: #{answers.second ?? "no"}
    weights: #{weights.p1 + weights["p3"]}
  EOT
  ;
  note "one"; note "two"
  note "#{flag} #{ratio} #{dur} #{sev} #{s} #{raw}"
}

step branches "Branches" {
  let w = nested[1][1][1].k[0]
  if w > 4 and w <= 5 { note "five" } else if w >= 10 { note "ten" } else { fail }
  choose "Pick a path" {
    "left"  => { note "left" }
    "right" => {
      checklist "Right-hand checks" {
        "door closed"
        "lights off"
      }
    }
  }
  wait 1s
  wait until true timeout 5s
}

step finish "Finish" timeout 1m {
  run "disk-full.rb" with {host: "drill-01", threshold: 50}
  timeline("drill done at #{incident.elapsed}")
  abort "end of drill"
}
