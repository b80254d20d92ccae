#!/bin/sh
# tools/deps.sh — make sure the build dependencies are present (Debian 12).
#
# Checks for flex, bison, pkg-config, a C compiler and the -dev packages of libcurl,
# sqlite3, readline and jansson (plus tmux, used by the REPL tests).  Missing ones are
# installed with apt-get when running as root; otherwise the exact command is printed and
# the script exits 1 so the build stops.
set -u

missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have() { command -v "$1"; }
pc() { pkg-config --exists "$1"; }

need make have make
need gcc have cc
need flex have flex
need bison have bison
need pkg-config have pkg-config
if command -v pkg-config >/dev/null 2>&1; then
    need libcurl4-openssl-dev pc libcurl
    need libsqlite3-dev pc sqlite3
    need libreadline-dev pc readline
    need libjansson-dev pc jansson
else
    missing="$missing libcurl4-openssl-dev libsqlite3-dev libreadline-dev libjansson-dev"
fi
need sqlite3 have sqlite3
need tmux have tmux
need python3 have python3
need procps have pgrep
need curl have curl
need python3-jsonschema /usr/bin/python3 -c 'import jsonschema'; need shellcheck have shellcheck  # issue 18 (lint tests): SARIF schema validation, shellcheck
need lcov have genhtml   # runbook test --lcov: tests/t-runbook-test.sh renders it with genhtml (issue 16)

[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "runbook: installing build dependencies:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq >&2 && $cmd -qq >&2; then
        exit 0
    fi
    echo "runbook: apt-get failed; run as root: apt-get update && $cmd" >&2
    exit 1
fi
echo "runbook: missing build dependencies:$missing" >&2
echo "runbook: install them with:  sudo apt-get update && sudo $cmd" >&2
exit 1
