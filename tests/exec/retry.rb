runbook "Retries and on failure" { severity P3 }
step flaky "Flaky" retries 2 {
  sh "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]"
}
step handled "Handled" {
  fail "broken on purpose"
} on failure {
  note "handled the failure"
}
step last "Last" {
  note "reached last"
}
