# Edge cases for `runbook view`: no phases, heredocs, Markdown-significant characters,
# '|' in text and table cells, quotes and backslashes (for dot), a step without an id.
runbook "Disk *full* on [db|cache] <host> \"quoted\" #1" {
  id       "disk_full"
  severity P4
  owner    'Ops | SRE'
  summary  "Two lines:\nthe second one"
}

param path = '/var/lib/data' <<~HELP
  Where the data lives.
  Use an absolute path | no globbing.
HELP
param pattern = 'a|b\d' "A regex with a pipe: a|b and a backslash \\"
secret password = <<~'PW'
  s3cr3t-literal-value
PW

step check "Check `df` output | sort in C:\\logs" {
  sh "df -h | sort -k5 -r | head" readonly
  note <<~TEXT
    Look for file systems above 90%.
    ```
    Lines with backticks stay readable.
    ```
    # not a heading
    - not a list item
  TEXT
  warn "Do *not* delete files under #{path} by hand_ever; _really_ \\ never"
  sh <<~'SH'
    for f in /var/log/*.gz; do
      echo "$f"
    done
  SH
  choose "Which | what?" {
    "Logs [old]" => { goto cleanup }
    "Data `x`" => { note "Call the DBA" }
  }
}

step "cleanup" {
  checklist "Clean up | tidy" {
    "Rotate logs *now*"
    "Remove <tmp> files"
  }
  if path == "/" or path == "" {
    abort "Refusing to touch \"#{path}\""
  }
}

step notes <<~TITLE {
  Write it down
  for later
TITLE
  note "Heredoc titles become one line in headings and two in the graph"
  if confirm("Check again?") {
    goto check
  }
}
