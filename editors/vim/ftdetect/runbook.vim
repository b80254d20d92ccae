" runbook files: *.runbook always; a *.rb file (Ruby's extension too) when it looks like a
" runbook: a `runbook "Title" {` header, `phase "…"`, `step ID "…"`, `escalation {` or
" `fn NAME(…) {`, `let NAME =` or `use NAME` within its first 200 lines.  Ruby files stay Ruby.
autocmd BufRead,BufNewFile *.runbook setfiletype runbook
autocmd BufRead,BufNewFile *.rb
      \ if match(getline(1, 200), '\v^\s*(runbook\s+"|phase\s+"|step\s+\h\w*\s+"|escalation\s*\{|fn\s+\h\w*\s*\(.*\)\s*\{|let\s+\h\w*\s*\=|use\s+(\h\w*|"[^"]+")\s*(as\s+\h\w*\s*)?$)') >= 0 |
      \   set filetype=runbook |
      \ endif
