#!/bin/sh
# tools/keywords.sh [ROOT] — the reserved and contextual words of the runbook language, one
# a line, sorted, as the front end knows them.  tests/t-editors.sh compares the editor
# files (editors/) with this list so that they never drift from the lexer.
#
# Read from whichever lists exist: lexer rules  "word"  return TOKEN;  in grammar/lexer.l,
# the token aliases  %token PHASE "phase"  in grammar/parser.y, and keyword tables
# {"word", TOKEN}  (TOKEN a declared token) in grammar/ and interp/, where soft keywords
# live once the lexer stops reserving them.  No words found, or the core ones missing, is an
# error (exit 1), never an empty list that every editor file would trivially match.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
tokens=$(sed -n 's/^%token[ \t]//p' "$root"/grammar/*.y | tr ' \t' '\n\n' | grep -x '[A-Z][A-Z_0-9]*')
words=$(
    {
        # lexer rules:  "word"  return TOKEN;
        sed -n 's/^"\([a-z_][a-z_0-9]*\)"[ \t][ \t]*return [A-Z_][A-Z_0-9]*;.*/\1/p' "$root"/grammar/*.l
        # the grammar's token aliases:  %token PHASE "phase"
        # (untyped tokens whose alias is their own name in lower case: not NUM "number")
        awk '$1 == "%token" && $2 !~ /^</ {
                 for (i = 2; i < NF; i++) {
                     a = $(i + 1); gsub(/"/, "", a)
                     if (tolower($i) == a) print a
                 }
             }' "$root"/grammar/*.y
        # keyword tables:  {"word", TOKEN}  with TOKEN a declared token
        cat "$root"/grammar/*.l "$root"/grammar/*.y "$root"/interp/*.c 2>/dev/null |
            sed -n 's/.*{ *"\([a-z_][a-z_0-9]*\)", *\([A-Z][A-Z_0-9]*\) *}.*/\1 \2/p' |
            while read -r w tok; do
                printf '%s\n' "$tokens" | grep -qx "$tok" && echo "$w"
            done
    } | sort -u
)
for core in runbook phase step let if goto; do
    if ! printf '%s\n' "$words" | grep -qx "$core"; then
        echo "tools/keywords.sh: no keyword list found (no '$core' in grammar/lexer.l rules or a {\"word\", TOKEN} table)" >&2
        exit 1
    fi
done
printf '%s\n' "$words"
