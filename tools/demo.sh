#!/bin/sh
# tools/demo.sh RUNBOOK — the demo behind `make demo`.
#
# For now (until `runbook exec` lands) the demo is the front end's job on the shipped
# playbooks: lint them all, then render the database playbook as a document.
set -eu
rb=${1:-./runbook}
echo "== runbook lint runbooks stdlib"
"$rb" lint runbooks stdlib
echo "all clean."
echo
echo "== runbook view runbooks/p1-database-down.rb"
"$rb" view runbooks/p1-database-down.rb --format md
