runbook "A secret never goes on a command line" {
  id       "secret-cmdline"
  severity P3
  owner    "test"
}

secret token = env("RB_TEST_TOKEN")

step built "A command built with a secret is refused" {
  let cmd = "echo " + token
  sh cmd readonly
} on failure {
  note "refused: built"
}

step spliced "raw() of a secret is refused" {
  sh "echo #{raw(token)}" readonly
} on failure {
  note "refused: raw"
}
