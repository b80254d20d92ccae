runbook "Secret leak drill" {
  id       "secret-leak"
  severity P3
  owner    "test"
}

# A secret through every builtin, container, interpolation, command and request:
# t-secrets.sh greps everything the run leaves behind for its clear text.
secret token = env("RB_TEST_TOKEN")
secret vault = {key: env("RB_TEST_TOKEN", "unused"), list: [1, 2]}
param base = "http://127.0.0.1:1"

step derive "Derived values stay secret" {
  let up = upper(token)
  let j = to_json({k: token, list: [token]})
  note "upper #{up} lower #{lower(token)} json #{j}"
  note "split #{split(token, "-")} joined #{join([token, "x"], "+")} replaced #{replace(token, "-", "_")}"
  note "trimmed #{trim(" " + token + " ")} map #{ {a: token} } str #{str([token])} url #{url_encode(token)}"
  note "values #{values({a: token})} keys of vault #{keys(vault)} item #{vault.key} from_json #{from_json(j)}"
  note "sorted #{sort([token, "a"])} max #{max([token, "a"])} index #{split(token, "-")[0]}"
  print(j, up, lower(token), values(vault))
  timeline("token is #{token}")
}

step shell "Commands get secrets by environment, not argv" {
  sh "printf '%s\\n' \"#{token}\" #{upper(token)}; printf '%s\\n' \"$TOK\" | tr a-z A-Z; echo \"#{to_json({t: token})}\"" env {TOK: token} readonly
  sh "sleep 2; test -n \"#{token}\"" readonly
  let r = sh "printf '%s' \"#{lower(token)}\"" readonly
  note "captured #{r.stdout}"
}

step web "Requests and responses are scrubbed" {
  let r = http GET "#{base}/echo-header" headers {"X-Send": upper(token)}
  note "header #{r.headers}"
  let r2 = http POST "#{base}/json" json {t: token, u: upper(token)}
  note "body #{r2.body} json #{r2.json}"
}
