runbook "Unset secret" {
  id       "unset-secret"
  severity P3
  owner    "test"
}

secret token = env("RB_TEST_UNSET_TOKEN")
secret other = env("RB_TEST_UNSET_OTHER", "fallback")

step s "Never reached without the token" {
  sh "echo should-not-run" readonly
}
