" Vim syntax file
" Language:    runbook (incident-response runbooks: docs/language.md, runbook(5))
" Maintainer:  the runbook project
" Filenames:   *.runbook, and *.rb files that are runbooks (see ftdetect/runbook.vim)
"
" The keyword lists below are checked against the front end's own list
" (tools/keywords.sh, from grammar/lexer.l) by tests/t-editors.sh: every keyword is in
" exactly one of the runbookKw* groups, and nothing else is.

if exists("b:current_syntax")
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

" ---- keywords
syn keyword runbookKwDecl      runbook use as param secret let fn escalation phase step
syn keyword runbookKwOption    at unless when repeat every until within timeout retries rollback on readonly idempotent env cwd headers json body with parallel tolerate failfast by role allow_self
syn keyword runbookKwControl   if elif else while for in break continue return goto abort fail
syn keyword runbookKwAction    note warn confirm choose checklist approve sh http wait run
syn keyword runbookKwOperator  and or not
syn keyword runbookKwConstant  true false nil

" ---- names after the words that introduce them
syn match runbookStepId    "\%(\<step\s\+\)\@<=\h\w*"
syn match runbookStepId    "\%(\<goto\s\+\)\@<=\h\w*"
syn match runbookFunction  "\%(\<fn\s\+\)\@<=\h\w*"

" ---- operators (before the literals: where both match, the later item wins, so <<~TAG
" is a heredoc and not two operators)
syn match runbookOperator  "=>\|==\|!=\|<=\|>=\|&&\|||\|??\|[-+*/%<>=!]"

" ---- literals
syn match runbookSeverity  "\<P\d\+\>"
syn match runbookNumber    "\<\d\+\%(\.\d\+\)\=\>"
syn match runbookDuration  "\<\d\+\%(\.\d\+\)\=\a\w*\>"
syn match runbookEscape    +\\.+ contained
syn region runbookInterp   matchgroup=runbookInterpDelim start=+#{+ end=+}+ contained contains=TOP,runbookComment
syn region runbookString   start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=runbookEscape,runbookInterp
syn region runbookRawString start=+'+ skip=+\\\\\|\\'+ end=+'+ oneline contains=runbookEscape
" <<~TAG … TAG interpolates; <<~'TAG' … TAG is raw.
syn region runbookHeredoc  matchgroup=runbookHeredocDelim start=+<<\~\z(\h\w*\)+ end=+^\s*\z1\s*$+ contains=runbookInterp
syn region runbookRawHeredoc matchgroup=runbookHeredocDelim start=+<<\~'\z(\h\w*\)'+ end=+^\s*\z1\s*$+

" ---- comments (a # inside a string is text: strings are matched first where they start)
syn keyword runbookTodo    TODO FIXME XXX NOTE contained
syn match runbookComment   "#\%({\)\@!.*$" contains=runbookTodo


" Heredocs and strings span lines: parse from the top (runbooks are short).
syn sync fromstart

hi def link runbookKwDecl       Structure
hi def link runbookKwOption     StorageClass
hi def link runbookKwControl    Conditional
hi def link runbookKwAction     Statement
hi def link runbookKwOperator   Operator
hi def link runbookKwConstant   Constant
hi def link runbookStepId       Label
hi def link runbookFunction     Function
hi def link runbookSeverity     Special
hi def link runbookNumber       Number
hi def link runbookDuration     Number
hi def link runbookEscape       SpecialChar
hi def link runbookInterpDelim  Delimiter
hi def link runbookString       String
hi def link runbookRawString    String
hi def link runbookHeredoc      String
hi def link runbookRawHeredoc   String
hi def link runbookHeredocDelim Delimiter
hi def link runbookTodo         Todo
hi def link runbookComment      Comment
hi def link runbookOperator     Operator

let b:current_syntax = "runbook"
let &cpo = s:cpo_save
unlet s:cpo_save
