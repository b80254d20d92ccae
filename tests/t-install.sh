#!/bin/sh
# tests/t-install.sh — `make install` and `make uninstall` with DESTDIR and PREFIX, and the
# manual pages.
#
# The binary under test ($RUNBOOK) is installed (make install BIN=…) into a DESTDIR: every
# file lands where the Makefile says (binary, stdlib, runbook.1 and runbook.5, bash and zsh
# completion, Vim syntax and ftdetect, the TextMate grammar); the installed binary runs
# --version and lints the installed stdlib; `man` reads both installed pages; uninstall
# removes every file again (and our empty directories).  A second PREFIX (/opt/runbook)
# lands under it.  runbook(5) is ASCII, renders without groff warnings, and its RESERVED
# WORDS are exactly the front end's keywords.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)
case $RUNBOOK in /*) ;; */*) RUNBOOK=$(pwd)/$RUNBOOK ;; esac
# Called from `make check`: the outer make's jobserver and flags are not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

D=$T/dest
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local BIN="$RUNBOOK" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && pass "make install DESTDIR=… PREFIX=/usr/local: exit 0" || fail "make install DESTDIR=…: exit 0" "exit $rc" "$(tail -n 20 "$T/out")"
U=$D/usr/local
missing=""
for f in bin/runbook share/man/man1/runbook.1 share/man/man5/runbook.5 \
         share/bash-completion/completions/runbook share/zsh/site-functions/_runbook \
         share/vim/vimfiles/syntax/runbook.vim share/vim/vimfiles/ftdetect/runbook.vim \
         share/runbook/editors/runbook.tmLanguage.json; do
    [ -f "$U/$f" ] || missing="$missing $f"
done
for m in "$ROOT"/stdlib/*.rb; do
    cmp -s "$m" "$U/share/runbook/stdlib/$(basename "$m")" || missing="$missing stdlib/$(basename "$m")"
done
[ -z "$missing" ] && pass "make install: binary, stdlib, man pages, completion and editor files in place" \
    || fail "make install: every file in place" "missing:$missing" "$(cd "$D" && find . -type f | sort)"
[ "$(stat -c %a "$U/bin/runbook")" = 755 ] && [ "$(stat -c %a "$U/share/man/man1/runbook.1")" = 644 ] \
    && pass "make install: the binary is mode 755, the rest 644" || fail "make install: modes" "$(ls -l "$U/bin/runbook" "$U/share/man/man1/runbook.1")"

"$U/bin/runbook" --version >"$T/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^runbook [0-9]' "$T/out" && grep -q 'SQLite  *[0-9]' "$T/out" \
   && grep -q 'libcurl  *[0-9]' "$T/out" && grep -q 'readline  *[0-9]' "$T/out" && grep -q 'jansson  *[0-9]' "$T/out"; then
    pass "installed runbook --version: its own and the SQLite, libcurl, readline, jansson versions"
else fail "installed runbook --version" "exit $rc" "$(cat "$T/out")"; fi
"$U/bin/runbook" lint --strict "$U/share/runbook/stdlib" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && pass "the installed binary lints the installed stdlib: clean" || fail "installed lint of the installed stdlib" "exit $rc" "$(head -n 20 "$T/out")"

for page in 1 5; do
    if MANPAGER=cat MANWIDTH=100 man -l "$U/share/man/man$page/runbook.$page" >"$T/man" 2>"$T/err" && grep -q "^RUNBOOK($page)" "$T/man"; then
        pass "man -l the installed runbook.$page"
    else fail "man -l the installed runbook.$page" "$(head -n 5 "$T/err" "$T/man")"; fi
done

make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr/local >"$T/out" 2>&1
rc=$?
left=$(cd "$D" && find . -type f | sort)
[ $rc -eq 0 ] && [ -z "$left" ] && pass "make uninstall: every installed file is gone" || fail "make uninstall: every installed file is gone" "exit $rc" "$left" "$(tail -n 5 "$T/out")"
[ ! -d "$U/share/runbook" ] && pass "make uninstall: share/runbook removed once empty" || fail "make uninstall: share/runbook removed" "$(ls -R "$U/share/runbook")"

make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/opt/runbook BIN="$RUNBOOK" >"$T/out" 2>&1
[ -x "$D/opt/runbook/bin/runbook" ] && [ -f "$D/opt/runbook/share/man/man5/runbook.5" ] && [ -z "$(find "$D/usr" -type f)" ] \
    && pass "make install PREFIX=/opt/runbook: under that prefix" || fail "make install PREFIX=/opt/runbook" "$(cd "$D" && find . -type f | head)"
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/opt/runbook >"$T/out" 2>&1
[ -z "$(cd "$D" && find . -type f)" ] && pass "make uninstall PREFIX=/opt/runbook: all gone" || fail "make uninstall PREFIX=/opt/runbook" "$(cd "$D" && find . -type f)"

# ---- runbook(5)
M5=$ROOT/docs/runbook.5
if LC_ALL=C grep -n '[^ -~]' "$M5" >"$T/nonascii"; then fail "docs/runbook.5 is ASCII" "$(head -n 5 "$T/nonascii")"
else pass "docs/runbook.5 is ASCII"; fi
LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$M5" >"$T/groff" 2>&1
[ ! -s "$T/groff" ] && pass "docs/runbook.5 renders without groff warnings" || fail "docs/runbook.5 renders without groff warnings" "$(head -n 10 "$T/groff")"
sh "$ROOT/tools/keywords.sh" "$ROOT" >"$T/kw" 2>&1
sed -n '/^\.SH RESERVED WORDS/,/^\.SH /p' "$M5" | sed -n '/^\.nf/,/^\.fi/p' | grep -v '^\.' | tr ' ' '\n' | grep . | sort >"$T/man.words"
cmp -s "$T/kw" "$T/man.words" && [ -s "$T/kw" ] && pass "runbook(5): RESERVED WORDS are the front end's keywords" \
    || fail "runbook(5): RESERVED WORDS are the front end's keywords" "$(diff "$T/kw" "$T/man.words")"

# ---- the README's dependency table is tools/deps.sh's
bad=""
for set in build demo test; do
    want=$(sh "$ROOT/tools/deps.sh" "$set" --list | tr '\n' ' ' | sed 's/ $//')
    got=$(grep "^| .*set \`$set\`) |" "$ROOT/README.md" | sed 's/.*| `\(.*\)` |$/\1/')
    [ "$want" = "$got" ] || bad="$bad
$set: deps.sh lists '$want', the README '$got'"
done
[ -z "$bad" ] && pass "README: the dependency table is tools/deps.sh's (build, demo, test)" || fail "README: the dependency table is tools/deps.sh's" "$bad"
