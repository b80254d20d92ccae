# disk-full.rb — a host is running out of disk.
runbook "P3 — Disk almost full" {
  id "p3-disk-full"
  severity P3
  owner "SRE"
  summary "Filesystem usage above 90%"
  tags []
  respond within 1h
  resolve within 8h
}

param host = "web-01" "Host name"
param threshold: number = 90 "Percent full that counts as a problem"
param mount = "/var"
let dirs = ["/var/log", "/var/tmp", "/var/cache/apt"]
let limits = {warn: 80, crit: 95, "max files": 1000}

fn usage(h, m) {
  let r = sh "df --output=pcent #{m} | tail -1 | tr -dc 0-9" on h timeout 20s readonly
  if r.ok { return r.stdout } else { return nil }
}

fn pct_label(p) {
  if p >= limits.crit { return "critical" }
  return "high"
}

step check "Check disk usage" within 5m {
  let used = usage(host, mount)
  if used == nil {
    fail "cannot reach #{host}"
  }
  note "#{host}:#{mount} is #{used}% full (threshold #{threshold}%, -#{100 - threshold} headroom)"
  if used < threshold { resolve("False alarm: #{used}%"); goto done }
}

step logs "Find what grew" {
  for d in dirs {
    let r = sh "du -sh #{d}" on host readonly timeout 30s
    note "#{d}: #{r.stdout}"
  }
  let big = sh('find /var -xdev -size +500M -printf "%s %p\n"', timeout: 1m, readonly: true)
  note <<~'RAW'
    Raw listing follows; #{this} is not interpolated.
      (indented twice)
  RAW
  note big.stdout
}

step clean "Clean up" timeout 15m {
  let choice = choose("How do you want to free space?", ["rotate logs", "clear apt cache", "nothing"])
  if choice == "rotate logs" {
    sh "logrotate -f /etc/logrotate.conf" on host
  } elif choice == "clear apt cache" {
    sh "apt-get clean" on host timeout 2m
  } else {
    note "Leaving the disk as it is."
  }
  wait 2m "Let the filesystem settle"
  wait until (usage(host, mount) ?? 100) < threshold every 30s timeout 10m
} rollback {
  note "Cleaning cannot be undone; nothing to do."
}

step done "Close" {
  resolve("Usage back under #{threshold}%")
}
