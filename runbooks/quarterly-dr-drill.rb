# runbooks/quarterly-dr-drill.rb — the quarterly disaster-recovery test ("7.3 Quarterly
# Maintenance": failover simulation, data restoration testing, IVR and contact flow
# redundancy, multi-region DR drills).
#
#   - Failover: the primary's Route 53 health check is inverted (reported unhealthy), the
#     DNS answer must move to the secondary region, then the check is put back and the
#     answer must come home.  The inversion has a rollback, so a drill that stops half-way
#     can be undone (`rollback` in the failure menu).
#   - Restore: done for real, on this machine, under `workdir`: a SQLite database of call
#     records and a tree of call recordings are made, backed up (sqlite3 .backup, tar),
#     destroyed (the database overwritten, the tree deleted), restored from the backup and
#     verified by SHA-256: the restored file against the backup, the restored data (its
#     .dump) against the data before the loss, the tree against its manifest, and
#     SQLite's own integrity check.  `restore_from` restores another backup instead (last
#     night's, copied down from S3) to prove that one restores the data of now — a stale
#     backup fails the check.
#   - Redundancy: every contact flow of the primary Connect instance exists in the DR one.
#   - Multi-region (if there is one): S3 replication of the recordings is enabled and the
#     DR region's database replica is available.
# Each test that fails is an action item; the drill fails (exit non-zero) when any did,
# and #ops-alerts hears about it.  Everything defaults, so it also runs with --auto.
runbook "Quarterly DR drill" {
  id       "quarterly-dr-drill"
  severity P4
  owner    "IT Operations Team"
  summary  "Disaster-recovery test: failover, restore, redundancy, multi-region"
  tags     ["routine", "quarterly", "dr"]
}

use comms
use aws
use "contacts.rb" as contacts

param region        = env("AWS_REGION", "us-east-1")                        "Primary region"
param dr_region     = env("DR_REGION", "us-west-2")                          "DR region"
param hosted_zone   = env("HOSTED_ZONE_ID", "Z0123456789ABCDEFGHIJ")         "Route 53 hosted zone"
param record_name   = env("FAILOVER_RECORD", "api.example.com")              "The failover record"
param health_check  = env("PRIMARY_HEALTH_CHECK_ID", "hc-primary-0001")      "The primary's health check"
param secondary_ip  = env("SECONDARY_IP", "10.1.0.10")                       "What the record answers after failover"
param instance_id   = env("CONNECT_INSTANCE_ID", "11111111-2222-3333-4444-555555555555") "Primary Connect instance"
param dr_instance   = env("CONNECT_DR_INSTANCE_ID", "dr-11111111-2222-3333-4444-555555555555") "DR Connect instance"
param bucket        = env("RECORDINGS_BUCKET", "recordings")                 "The call recordings bucket"
param dr_db         = env("DR_DB_INSTANCE", "prod-db-replica")               "The DR region's database replica"
param workdir       = env("DR_DRILL_DIR", "/var/tmp/runbook-dr-drill")       "Scratch directory of the restore test"
param restore_from  = ""                                                      "Restore this database backup instead of the one taken now"

let failures = []
let results = {failover: "not run", restore: "not run", redundancy: "not run", multi_region: "not run"}

fn failed(test, text) {
  push(failures, text)
  results[test] = "failed"
  warn "FAILED (#{test}): #{text}"
}


# What the failover record answers now.
fn dns_answer() {
  let r = sh("aws route53 test-dns-answer --hosted-zone-id #{hosted_zone} --record-name #{record_name} --record-type A",
             readonly: true, timeout: 30s)
  return ((aws.parse(r) ?? {}).RecordData ?? ["?"])[0] ?? "?"
}

# The SHA-256 of a file, of a database's SQL dump, and of a directory tree (its manifest).
fn sha_file(path) {
  return split(trim(sh("sha256sum #{path}", readonly: true, timeout: 1m).stdout), " ")[0] ?? ""
}
fn sha_dump(path) {
  return split(trim(sh("sqlite3 #{path} .dump | sha256sum", readonly: true, timeout: 1m).stdout), " ")[0] ?? ""
}
fn sha_tree(dir) {
  return split(trim(sh("find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum", readonly: true, timeout: 1m, cwd: dir).stdout), " ")[0] ?? ""
}

let db        = "#{workdir}/live/calls.db"
let tree      = "#{workdir}/live/recordings"
let db_backup = "#{workdir}/backup/calls.db"
let tree_tar  = "#{workdir}/backup/recordings.tar.gz"

phase "Failover simulation" {
  step failover "Fail over to the secondary region" {
    let before = dns_answer()
    note "#{record_name} answers #{before}."
    confirm("Report the primary unhealthy (invert health check #{health_check}) to force the failover?",
            key: "confirm_failover", default: true)
    sh "aws route53 update-health-check --health-check-id #{health_check} --inverted" timeout 30s
    let after = dns_answer()
    if after == secondary_ip {
      note "Failed over: #{record_name} answers #{after} (secondary)."
      results.failover = "passed"
    } else {
      failed("failover", "#{record_name} still answers #{after} with the primary reported unhealthy")
    }
  } rollback {
    sh "aws route53 update-health-check --health-check-id #{health_check} --no-inverted" timeout 30s
  }
  step failback "Fail back to the primary" {
    confirm("Report the primary healthy again (health check #{health_check})?", key: "confirm_failback", default: true)
    sh("aws route53 update-health-check --health-check-id #{health_check} --no-inverted", timeout: 30s)
    let home = dns_answer()
    if home == secondary_ip {
      failed("failover", "#{record_name} did not come back from the secondary (#{home})")
    } else {
      note "Back on the primary: #{record_name} answers #{home}."
    }
  }
}

phase "Restore test" {
  step prepare "Make the test data: call records and recordings" {
    confirm("Make the drill's data under #{workdir} (anything there from the last drill is replaced)?",
            key: "confirm_prepare", default: true)
    sh "mkdir -p #{workdir}/live/recordings/2025/12 #{workdir}/backup" timeout 10s
    sh "rm -f #{db} #{db_backup} #{tree_tar}" timeout 10s
    sh "sqlite3 #{db} 'CREATE TABLE calls(id INTEGER PRIMARY KEY, caller INTEGER NOT NULL, started INTEGER NOT NULL, seconds INTEGER NOT NULL); INSERT INTO calls(caller, started, seconds) VALUES (15550100, 1767085200, 312), (15550101, 1767085500, 45), (15550102, 1767089520, 1290), (15550103, 1767170400, 8), (15550104, 1767178920, 600);'" timeout 30s
    for i in range(3) {
      sh("printf 'RIFF call recording %s\\n' #{i} > #{tree}/2025/12/call-#{i}.wav", timeout: 10s)
    }
    let data_sha = sha_dump(db)
    let tree_sha = sha_tree(tree)
    note "Data before the loss: database dump #{data_sha}, recordings #{tree_sha}"
  }
  step backup "Back up the database and the recordings" {
    confirm("Back up #{db} and #{tree} into #{workdir}/backup?", key: "confirm_backup", default: true)
    sh "sqlite3 #{db} \".backup '#{db_backup}'\"" timeout 1m
    sh "tar -C #{workdir}/live -czf #{tree_tar} recordings" timeout 1m
    let backup_sha = sha_file(db_backup)
    note "Backup: #{db_backup} #{backup_sha}"
  }
  step destroy "Simulate the loss: corrupt the database, delete the recordings" {
    confirm("Overwrite #{db} and delete #{tree} (the drill's own copies)?", key: "confirm_destroy", default: true)
    sh "dd if=/dev/zero of=#{db} bs=512 count=2 conv=notrunc" timeout 10s
    sh "rm -rf #{tree}" timeout 10s
    let check = sh "sqlite3 #{db} 'PRAGMA integrity_check'" timeout 30s readonly
    if check.ok and trim(check.stdout) == "ok" {
      warn "The database still reads after the overwrite: the loss was not simulated."
    } else {
      note "The database no longer reads, and the recordings are gone: as planned."
    }
  }
  step restore "Restore from the backup" {
    let source = db_backup
    if restore_from != "" {
      source = restore_from
      note "Restoring #{restore_from} instead of the backup taken now."
    }
    confirm("Restore #{source} over #{db}, and the recordings from #{tree_tar}?", key: "confirm_restore", default: true)
    sh "cp #{source} #{db}" timeout 1m
    sh "tar -C #{workdir}/live -xzf #{tree_tar}" timeout 1m
    timeline("Restored #{source} and the recordings")
  }
  step verify_restore "Verify the restore by checksum" {
    let restored_sha = sha_file(db)
    let restored_data = sha_dump(db)
    let restored_tree = sha_tree(tree)
    let integrity = trim(sh("sqlite3 #{db} 'PRAGMA integrity_check'", readonly: true, timeout: 30s).stdout)
    note "Restored: file #{restored_sha}, data #{restored_data}, recordings #{restored_tree}, integrity #{integrity}"
    let problems = []
    if restore_from == "" and restored_sha != backup_sha {
      push(problems, "the restored file differs from the backup")
    }
    if restored_data != data_sha {
      push(problems, "the restored data differs from the data before the loss")
    }
    if restored_tree != tree_sha {
      push(problems, "the restored recordings differ from the originals")
    }
    if integrity != "ok" {
      push(problems, "SQLite's integrity check says: #{integrity}")
    }
    if len(problems) == 0 {
      note "Restore verified: the data is back, byte for byte."
      results.restore = "passed"
    } else {
      failed("restore", join(problems, "; "))
    }
  }
}

phase "Redundancy" {
  step flows "IVR and contact flow redundancy" {
    let names = {}
    for f in (aws.parse(sh("aws connect list-contact-flows --instance-id #{dr_instance} --region #{dr_region}", readonly: true, timeout: 30s)) ?? {}).ContactFlowSummaryList ?? [] {
      names[f.Name ?? "?"] = true
    }
    let missing = []
    let flows = (aws.parse(sh("aws connect list-contact-flows --instance-id #{instance_id} --region #{region}", readonly: true, timeout: 30s)) ?? {}).ContactFlowSummaryList ?? []
    for f in flows {
      if not ((f.Name ?? "?") in names) {
        push(missing, f.Name ?? "?")
      }
    }
    if len(flows) == 0 {
      failed("redundancy", "the primary instance lists no contact flow")
    } elif len(missing) > 0 {
      failed("redundancy", "contact flow(s) missing in the DR instance: #{join(missing, ", ")}")
    } else {
      note "All #{len(flows)} contact flows exist in the DR instance."
      results.redundancy = "passed"
    }
  }
  step multi_region "Multi-region checks" {
    let setup = choose("Is there a multi-region setup to check?", ["yes", "not applicable"], key: "multi_region",
                       default: "yes")
    if setup == "not applicable" {
      note "Single region: nothing to check."
      results.multi_region = "not applicable"
    } else {
      let repl = sh "aws s3api get-bucket-replication --bucket #{bucket}" timeout 30s readonly
      let rule = (((aws.parse(repl) ?? {}).ReplicationConfiguration ?? {}).Rules ?? [{}])[0] ?? {}
      let replica = sh "aws rds describe-db-instances --db-instance-identifier #{dr_db} --region #{dr_region}" timeout 30s readonly
      let status = (((aws.parse(replica) ?? {}).DBInstances ?? [{}])[0] ?? {}).DBInstanceStatus ?? "unknown"
      let ok = true
      if (rule.Status ?? "none") != "Enabled" {
        failed("multi_region", "the recordings bucket #{bucket} does not replicate to the DR region")
        ok = false
      }
      if status != "available" {
        failed("multi_region", "the DR database #{dr_db} in #{dr_region} is #{status}")
        ok = false
      }
      if ok {
        note "Recordings replicate; #{dr_db} is available in #{dr_region}."
        results.multi_region = "passed"
      }
    }
  }
}

step report "Report the drill" {
  for k, v in results {
    note "#{k}: #{v}"
  }
  if len(failures) == 0 {
    note "DR drill passed."
  } else {
    for f in failures {
      action_item("DR drill: #{f}", owner: "IT Operations", due: 14d)
    }
    comms.alert(P3, contacts.people, "Quarterly DR drill: #{len(failures)} test(s) failed — #{join(failures, "; ")}")
    fail "#{len(failures)} DR test(s) failed"
  }
}
