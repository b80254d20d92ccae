#!/bin/sh
# tests/t-complete.sh — shell completion (editors/bash/runbook, editors/zsh/_runbook) and
# the binary's part of it (`runbook __complete steps FILE`).
#
#   - __complete steps lists a runbook's step ids in source order, prints nothing for a
#     file it cannot parse, and writes nothing anywhere;
#   - the completion's command and flag lists are those of `runbook help` (no drift);
#   - in a real bash in tmux: `runbook exe<TAB>` completes to `exec`, `--start-at <TAB><TAB>`
#     (`ex` alone is ambiguous since `export-test`; `ex<TAB><TAB>` lists both)
#     lists the runbook's step ids, `report <TAB><TAB>` lists `last`, run and incident ids,
#     `--format <TAB><TAB>` the formats, a file name completes;
#   - in a real zsh in tmux: `runbook exe<TAB>` and `--start-at <TAB>` the same way.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)
case $RUNBOOK in /*) ;; */*) RUNBOOK=$(pwd)/$RUNBOOK ;; esac
BASHC=$ROOT/editors/bash/runbook
ZSHC=$ROOT/editors/zsh/_runbook
PB=$ROOT/runbooks/p1-service-down.rb

# ---- __complete steps
grep -o '^ *step [A-Za-z_][A-Za-z0-9_]* "' "$PB" | awk '{ print $2 }' >"$T/steps.want"
"$RUNBOOK" __complete steps "$PB" >"$T/steps" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$T/steps" ] && cmp -s "$T/steps.want" "$T/steps" && [ ! -s "$T/err" ]; then
    pass "__complete steps: the step ids of a playbook, in source order"
else fail "__complete steps: the step ids of a playbook, in source order" "exit $rc" "$(diff "$T/steps.want" "$T/steps")" "$(cat "$T/err")"; fi
printf 'step a "A" {\n  note (\n' >"$T/broken.rb"
"$RUNBOOK" __complete steps "$T/broken.rb" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/err" ] && pass "__complete steps: a file that does not parse: exit 0, no error text" \
    || fail "__complete steps: a file that does not parse: exit 0, no error text" "exit $rc" "$(cat "$T/err")"
"$RUNBOOK" __complete steps "$T/nonexistent.rb" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] && pass "__complete steps: a missing file: nothing, exit 0" \
    || fail "__complete steps: a missing file: nothing, exit 0" "exit $rc" "$(cat "$T/out" "$T/err")"
"$RUNBOOK" __complete nonsense >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q usage "$T/err" && pass "__complete: an unknown request is a usage error (2)" || fail "__complete: unknown request" "exit $rc"
if "$RUNBOOK" help | grep -q __complete; then fail "__complete is not in help"; else pass "__complete is not in help (an internal interface)"; fi
if [ -z "$(find "$T/home" -type f)" ]; then pass "__complete wrote nothing (no database, no history)"
else fail "__complete wrote nothing" "$(find "$T/home" -type f)"; fi

# ---- the lists against `runbook help`
"$RUNBOOK" help | sed -n 's/^  runbook \([a-z][a-z-]*\).*/\1/p' | grep -v '^help$' | sort >"$T/cmds.want"
bash -c ". '$BASHC'; _runbook_commands" | tr ' ' '\n' | grep -v '^help$' | sort >"$T/cmds"
cmp -s "$T/cmds.want" "$T/cmds" && pass "bash: the subcommands are runbook help's" \
    || fail "bash: the subcommands are runbook help's" "$(diff "$T/cmds.want" "$T/cmds")"
bad=""
for c in $(cat "$T/cmds.want"); do
    # The flags its help names.
    "$RUNBOOK" help "$c" | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/f.want"
    bash -c ". '$BASHC'; _runbook_flags $c" | tr ' ' '\n' | grep . | sort -u >"$T/f.bash"
    cmp -s "$T/f.want" "$T/f.bash" || bad="$bad
bash $c: $(diff "$T/f.want" "$T/f.bash" | grep '^[<>]' | tr '\n' ' ')"
    for f in $(cat "$T/f.want"); do
        sed -n "/^ *$c) _arguments/,/&& ret=0 ;;/p" "$ZSHC" | grep -q -- "'\*\{0,1\}$f\[" || bad="$bad
zsh $c: no $f"
    done
    grep -q "^ *'$c:" "$ZSHC" || bad="$bad
zsh: no command $c"
done
[ -z "$bad" ] && pass "bash and zsh: every command's flags are runbook help's" || fail "bash and zsh: every command's flags are runbook help's" "$bad"

# ---- bash and zsh in tmux
if ! command -v tmux >/dev/null 2>&1; then
    fail "completion: tmux is installed (tools/deps.sh test installs it)"
    exit 0
fi
S=rbcomp$$
tmux_() { tmux -L "$S" "$@"; }
trap 'tmux_ kill-server 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/work"
ln -s "$RUNBOOK" "$T/bin/runbook"
cp "$PB" "$T/work/service-down.rb"
mkdir "$T/work/sub"
# One recorded run in the default database of this HOME, for the run ids.
printf 'runbook "Tiny" {\n  severity P4\n}\nstep only "Only" {\n  note "hi"\n}\n' >"$T/work/tiny.rb"
(cd "$T/work" && "$RUNBOOK" exec tiny.rb --auto --incident INC-COMPLETE-1 >/dev/null 2>&1)
screen() { tmux_ capture-pane -p -t c; }
wait_for() { # wait_for TEXT: up to 5 s
    i=0
    while [ $i -lt 50 ]; do screen | grep -qF -- "$1" && return 0; sleep 0.1; i=$((i + 1)); done
    return 1
}
type_() { tmux_ send-keys -t c -l -- "$1"; }
key() { tmux_ send-keys -t c "$@"; }
check_screen() { # check_screen NAME TEXT…: every TEXT on the screen
    _n=$1; shift
    for _t; do
        if ! wait_for "$_t"; then fail "$_n" "not on the screen: $_t" "$(screen | grep . | tail -n 12)"; return; fi
    done
    pass "$_n"
}
clear_line() { key C-c; sleep 0.1; key C-l; sleep 0.1; }
ENVV="HOME=$T/home XDG_DATA_HOME=$XDG_DATA_HOME TERM=xterm PATH=$T/bin:/usr/bin:/bin"

tmux_ new-session -d -s c -x 160 -y 40 "cd '$T/work' && env -i $ENVV PS1='bash\$ ' bash --norc --noprofile -i"
wait_for 'bash$' || fail "bash: the shell starts" "$(screen)"
type_ ". '$BASHC'"; key Enter
type_ 'runbook exe'; key Tab
check_screen "bash: runbook exe<TAB> completes to exec" 'bash$ runbook exec'
type_ 'serv'; key Tab
check_screen "bash: a runbook file name completes" 'runbook exec service-down.rb'
type_ '--start-at '; key Tab Tab
# shellcheck disable=SC2046 # one argument per step id
check_screen "bash: --start-at <TAB><TAB> lists the runbook's step ids" $(cat "$T/steps")
clear_line
type_ 'runbook report '; key Tab Tab
check_screen "bash: report <TAB><TAB> lists last, the run ids and incident ids" last INC-COMPLETE-1
clear_line
type_ 'runbook lint --format '; key Tab Tab
check_screen "bash: lint --format <TAB><TAB> lists its formats" text json sarif
clear_line
type_ 'runbook view --'; key Tab Tab
check_screen "bash: flags of a command" '--format' '--help' '--no-color'
tmux_ kill-server 2>/dev/null

if ! command -v zsh >/dev/null 2>&1; then
    fail "completion: zsh is installed (tools/deps.sh test installs it)"
    exit 0
fi
i=0; while tmux_ has-session 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
tmux_ new-session -d -s c -x 160 -y 40 "cd '$T/work' && env -i $ENVV zsh -f"
sleep 0.3
type_ "PS1='zsh%% '; fpath=('$ROOT/editors/zsh' \$fpath); autoload -Uz compinit; compinit -u -D"; key Enter
wait_for 'zsh%' || fail "zsh: the shell starts" "$(screen)"
type_ 'runbook exe'; key Tab
check_screen "zsh: runbook exe<TAB> completes to exec" 'zsh% runbook exec'
type_ 'service-down.rb --start-at '; key Tab
# shellcheck disable=SC2046
check_screen "zsh: --start-at <TAB> lists the runbook's step ids" $(cat "$T/steps")
