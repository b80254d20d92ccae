# RB102: a command that may change things (not readonly) with no confirm before it in
# its step (a choose counts as a decision too).  Commands in fns, timers, rollback blocks and wait-until probes are ignored.
runbook "Unconfirmed commands" { severity P3 }

fn restart() { sh "systemctl restart api" }

step look "Look" {
  sh "systemctl status api" readonly
  let r = sh("journalctl -u api -n 50", readonly: true)
  wait until sh("curl -fs localhost:8080/health").ok every 5s timeout 1m
  note r.stdout
}
step restart_it "Restart" {
  sh "systemctl restart api"            # expect-warning: 14:3 RB102
  let r = sh("systemctl reload nginx", readonly: false) # expect-warning: 15:11 RB102
  confirm "Restart the worker too?"
  sh "systemctl restart worker"         # after a confirm: fine
  note r.stdout
} rollback {
  sh "systemctl restart api"
}
step gated "Gated by a confirm() call" {
  if confirm("Flush the cache?") {
    sh "redis-cli flushall"
    restart()
  }
}
step decided "Gated by a choice" {
  choose "How do you want to free space?" {
    "Rotate the logs" => { sh "logrotate -f /etc/logrotate.conf" }
    "Leave it"        => { note "leaving it" }
  }
}
