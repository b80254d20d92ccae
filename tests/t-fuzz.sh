#!/bin/sh
# t-fuzz.sh — the libFuzzer target of the shell-context tracker (fuzz/fuzz_shctx.c), briefly
# (make fuzz runs it longer), when clang's fuzzer runtime is there: no assertion, sanitizer
# report or crash, i.e. no value ever changes the script around it.  t-inject.sh tests the
# same property end to end.
. "$(dirname "$0")/lib.sh"
src=$(cd "$TESTS/.." && pwd)
if command -v clang >/dev/null 2>&1 && echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' |
        clang -fsanitize=fuzzer -x c - -o "$T/probe" 2>/dev/null; then
    if clang -std=c11 -D_GNU_SOURCE -I"$src/include" -g -O1 -fsanitize=fuzzer,address,undefined -o "$T/fuzz_shctx" \
            "$src/fuzz/fuzz_shctx.c" "$src/interp/shctx.c" "$src/interp/util.c" 2>"$T/fuzz-build.log"; then
        mkdir -p "$T/corpus"
        if (cd "$T" && ./fuzz_shctx -runs=100000 -seed=1 corpus "$src/fuzz/corpus/shctx") >"$T/fuzz.log" 2>&1; then
            pass "fuzz_shctx: 100000 runs, a value never changes the script (seed 1)"
        else
            fail "fuzz_shctx found a failing input (seed 1)" "$(tail -20 "$T/fuzz.log")"
        fi
    else
        fail "fuzz_shctx builds" "$(cat "$T/fuzz-build.log")"
    fi
else
    pass "fuzz_shctx # SKIP clang's libFuzzer runtime is missing"
fi
