#!/bin/sh
# tests/t-editors.sh — the editor files under editors/ agree with the front end.
#
# The language's keywords come from tools/keywords.sh (the lexer's rules, the grammar's
# token aliases, or a keyword table: whichever exists).  Every keyword must be in exactly
# one keyword group of editors/vim/syntax/runbook.vim and of editors/runbook.tmLanguage.json,
# and those groups may hold nothing else, so the files cannot drift from the lexer.  Vim
# must load the syntax file without an error (vim -es), detect runbooks (and not Ruby) and
# highlight a shipped playbook's keywords, strings, interpolations, comments, durations and
# step ids.  The TextMate grammar must be JSON whose regular expressions compile.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)
VIMF=$ROOT/editors/vim/syntax/runbook.vim
TM=$ROOT/editors/runbook.tmLanguage.json

kw=$(sh "$ROOT/tools/keywords.sh" "$ROOT" 2>"$T/kw.err")
rc=$?
n=$(printf '%s\n' "$kw" | grep -c .)
if [ $rc -eq 0 ] && [ "$n" -ge 30 ]; then pass "tools/keywords.sh: the front end's keywords ($n)"
else fail "tools/keywords.sh: the front end's keywords" "exit $rc, $n words" "$(cat "$T/kw.err")"; fi
printf '%s\n' "$kw" >"$T/kw"

# It fails loudly when it finds no list at all.
mkdir -p "$T/empty/grammar" "$T/empty/interp"
: >"$T/empty/grammar/lexer.l"
: >"$T/empty/grammar/parser.y"
if sh "$ROOT/tools/keywords.sh" "$T/empty" >"$T/out" 2>"$T/err"; then
    fail "tools/keywords.sh: no keyword list is an error" "exit 0: $(head -c 200 "$T/out")"
elif [ -s "$T/out" ] || ! grep -q 'no keyword list' "$T/err"; then
    fail "tools/keywords.sh: no keyword list is an error" "$(cat "$T/out" "$T/err")"
else pass "tools/keywords.sh: no keyword list is an error, said aloud"; fi

# same NAME FILE-OF-WORDS: the words equal the keyword list (sorted, one per line).
same() {
    sort "$2" >"$T/got"
    if cmp -s "$T/kw" "$T/got" && [ -s "$T/got" ]; then pass "$1"
    else fail "$1" "keyword list (<) against the editor file (>):" "$(diff "$T/kw" "$T/got")"; fi
}

# ---- Vim
sed -n 's/^syn keyword runbookKw[A-Za-z]*[ \t]*//p' "$VIMF" | tr ' \t' '\n\n' | grep . >"$T/vim.words"
same "vim: the runbookKw* groups hold exactly the lexer's keywords, each once" "$T/vim.words"

cat >"$T/ruby.rb" <<'RB'
class Foo
  def bar
    puts "hello"
  end
end
RB
# vimq FILE EXPR…: open FILE in vim -es with editors/vim first on the runtimepath, filetype
# detection and syntax on; write each EXPR's value to $T/vim.out, one per line, then
# "errmsg=" and v:errmsg.  Each EXPR starts with the cursor on line 1.
vimq() {
    _f=$1; shift
    {
        echo "set rtp^=$ROOT/editors/vim"
        echo 'filetype on'
        echo 'syntax on'
        echo "edit $_f"
        echo 'let g:r = []'
        for _e in "$@"; do echo 'call cursor(1, 1)'; echo "call add(g:r, $_e)"; done
        echo "call writefile(g:r + ['errmsg=' . v:errmsg], '$T/vim.out')"
        echo 'qall!'
    } >"$T/q.vim"
    rm -f "$T/vim.out"
    (cd "$T" && HOME=$T/home timeout 20 vim -Nu NONE -i NONE -es -S "$T/q.vim") >"$T/vim.log" 2>&1 </dev/null
}
# syn_at PATTERN: the innermost syntax group at the first match of PATTERN.
syn_at() { echo "get(map(synstack(search('$1', 'cW'), col('.')), 'synIDattr(v:val, \"name\")'), -1, 'none')"; }

PB=$ROOT/runbooks/p1-service-down.rb
vimq "$PB" '&filetype' 'b:current_syntax' \
    "$(syn_at '^phase')" "$(syn_at '^\s*step \zs\h')" "$(syn_at '\<goto\>')" \
    "$(syn_at '^\s*#')" "$(syn_at 'confirm \"\zs')" "$(syn_at '#{\zs\h')" \
    "$(syn_at '\<15m\>')" "$(syn_at 'severity \zsP1')" "$(syn_at '\<true\>')"
if [ "$(sed -n '$p' "$T/vim.out" 2>/dev/null)" = "errmsg=" ] && ! grep -q '^E[0-9]' "$T/vim.log"; then
    pass "vim -es: the syntax file loads without an error"
else fail "vim -es: the syntax file loads without an error" "$(cat "$T/vim.log" "$T/vim.out" 2>/dev/null | head -n 20)"; fi
expect_vim() { # expect_vim NAME LINE-NUMBER WANT
    got=$(sed -n "$2p" "$T/vim.out")
    if [ "$got" = "$3" ]; then pass "vim: $1"; else fail "vim: $1" "expected $3, got '$got'"; fi
}
expect_vim "p1-service-down.rb is a runbook (ftdetect)" 1 runbook
expect_vim "b:current_syntax is runbook" 2 runbook
expect_vim "phase is a declaration keyword" 3 runbookKwDecl
expect_vim "a step id is a label" 4 runbookStepId
expect_vim "goto is a control keyword" 5 runbookKwControl
expect_vim "# starts a comment" 6 runbookComment
expect_vim "a \"string\"" 7 runbookString
expect_vim "#{…} inside a string is code" 8 runbookInterp
expect_vim "15m is a duration" 9 runbookDuration
expect_vim "P1 is a severity" 10 runbookSeverity
expect_vim "true is a constant" 11 runbookKwConstant
vimq "$T/ruby.rb" '&filetype'
expect_vim "a Ruby .rb file stays Ruby" 1 ruby
vimq "$ROOT/stdlib/templates.rb" '&filetype' "$(syn_at '<<\~\h')" "$(syn_at 'INCIDENT DECLARED')" \
    "$(syn_at 'Severity: #{\zs\h')"
expect_vim "a stdlib module (no header) is a runbook" 1 runbook
expect_vim "<<~TAG opens a heredoc" 2 runbookHeredocDelim
expect_vim "a heredoc's text is a string" 3 runbookHeredoc
expect_vim "#{…} inside a heredoc is code" 4 runbookInterp

# ---- TextMate
if pyc '
import json, re, sys
g = json.load(open(sys.argv[1]))
assert g["scopeName"] == "source.runbook", g["scopeName"]
def walk(o):
    if isinstance(o, dict):
        for k in ("match", "begin", "end"):
            if k in o and not re.search(r"\\\d", o[k]):
                re.compile(o[k])
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(g)
for k, v in sorted(g["repository"].items()):
    if k.startswith("kw-"):
        m = re.fullmatch(r"\\b\(\?:([a-z_|]+)\)\\b", v["match"])
        assert m, "%s: not \\b(?:a|b)\\b: %s" % (k, v["match"])
        for w in m.group(1).split("|"): print(w)
' "$TM" >"$T/tm.words" 2>"$T/err" </dev/null; then
    pass "textmate: JSON, scope source.runbook, every regular expression compiles"
else fail "textmate: JSON, scope source.runbook, every regular expression compiles" "$(cat "$T/err")"; fi
same "textmate: the kw-* rules hold exactly the lexer's keywords, each once" "$T/tm.words"
