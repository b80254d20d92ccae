#!/bin/sh
# tools/deps.sh [build|test|demo|all] [--list] — make sure the dependencies are present
# (Debian 12).
#
#   build  what `make` needs to build ./runbook: make, gcc, flex, bison, pkg-config and the
#          -dev packages of libcurl, sqlite3, readline and jansson
#   demo   what `make demo` calls besides ./runbook: python3 (the drilled service), curl
#   test   what `make check` calls besides ./runbook: sqlite3, tmux (terminals), python3
#          (the HTTP test server, JSON checks), procps (pgrep), bash and zsh (completion),
#          vim (the syntax file), groff (the man pages), shellcheck, openssh-client and
#          openssh-server (ssh to 127.0.0.1)
#   all    all of them (the default)
#
# Missing ones are installed with apt-get when running as root; otherwise the exact
# command is printed and the script exits 1 so make stops.  --list only prints the Debian
# packages of that set, one a line (tools/fresh-machine.sh and the README use it); nothing
# is checked or installed.  Nothing is ever removed: see the README for uninstalling.
set -u

set_=${1:-all}
list=0
[ "${2:-}" = --list ] && list=1

missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    if [ "$list" = 1 ]; then echo "$pkg"; return; fi
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have() { command -v "$1"; }
pc() { command -v pkg-config && pkg-config --exists "$1"; }

build_deps() {
    need make have make
    need gcc have cc
    need flex have flex
    need bison have bison
    need pkg-config have pkg-config
    need libcurl4-openssl-dev pc libcurl
    need libsqlite3-dev pc sqlite3
    need libreadline-dev pc readline
    need libjansson-dev pc jansson
}
demo_deps() {
    need python3 have python3
    need curl have curl
}
test_deps() {
    need sqlite3 have sqlite3
    need tmux have tmux
    need python3 have python3
    need procps have pgrep
    need bash have bash
    need zsh have zsh
    need vim have vim
    need groff-base have groff
    need shellcheck have shellcheck
    need openssh-client have ssh
    need openssh-server test -x /usr/sbin/sshd
    need python3-jsonschema /usr/bin/python3 -c 'import jsonschema'   # lint: the SARIF schema test
    need lcov have genhtml             # runbook test --lcov: rendered with genhtml
    need bc have bc                    # bench/ssh-fanout.sh
}

case $set_ in
    build) build_deps ;;
    demo) demo_deps ;;
    test) test_deps ;;
    all) build_deps; demo_deps; test_deps ;;
    *) echo "usage: tools/deps.sh [build|test|demo|all] [--list]" >&2; exit 2 ;;
esac
[ "$list" = 1 ] && exit 0
[ -z "$missing" ] && exit 0

# The same package can be missing for two reasons (python3: demo and test); name it once.
missing=$(printf '%s\n' $missing | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//')
cmd="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "runbook: installing the $set_ dependencies: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # openssh-server must not start a listening sshd on a machine that had none.
    case " $missing " in
        *" openssh-server "*)
            if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
                trap 'rm -f /usr/sbin/policy-rc.d' EXIT
            fi ;;
    esac
    if apt-get update -qq >&2 && $cmd -qq >&2; then
        exit 0
    fi
    echo "runbook: apt-get failed; run as root: apt-get update && $cmd" >&2
    exit 1
fi
echo "runbook: missing $set_ dependencies: $missing" >&2
echo "runbook: install them with:  sudo apt-get update && sudo $cmd" >&2
exit 1
