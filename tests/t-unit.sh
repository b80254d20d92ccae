#!/bin/sh
# tests/t-unit.sh — the C unit tests (tests/unit/*.c), built by make as $(BUILD)/unit.
. "$(dirname "$0")/lib.sh"
if [ -z "${UNIT:-}" ] || [ ! -x "$UNIT" ]; then
    fail "unit: binary not built (set UNIT)"
    exit 0
fi
"$UNIT" "$T" 2>&1
