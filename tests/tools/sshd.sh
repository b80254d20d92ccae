# tests/tools/sshd.sh — sourced: start a private sshd on a loopback port for the tests.
#
#   sshd_start DIR   generate a host key and a client key in DIR, start sshd on 127.0.0.1
#                    (as the current user), write DIR/ssh_config with host aliases
#                    h1 … h50 pointing at it, hdown (a closed port) and hbad (a host key
#                    that does not match), and set SSHD_PID and SSH_CONFIG.
#                    Returns 1 (and says why on stderr) when sshd cannot be had.
#   sshd_stop        stop it (also done by the caller's EXIT trap, if it calls this)
sshd_start() {
    d=$1
    sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
    [ -x "$sshd_bin" ] || { echo "sshd not installed (apt-get install openssh-server)" >&2; return 1; }
    command -v ssh >/dev/null || { echo "ssh not installed" >&2; return 1; }
    mkdir -p "$d" && chmod 700 "$d"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" -C host </dev/null >/dev/null || return 1
    ssh-keygen -q -t ed25519 -N '' -f "$d/other_key" -C other </dev/null >/dev/null || return 1
    ssh-keygen -q -t ed25519 -N '' -f "$d/id" -C client </dev/null >/dev/null || return 1
    cp "$d/id.pub" "$d/authorized_keys"
    # sshd needs its privilege-separation directory when run as root
    [ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
    user=$(id -un)
    tries=0
    while [ $tries -lt 20 ]; do
        port=$(( 20000 + ($$ * 7 + tries * 131 + $(date +%N | sed 's/^0*//;s/^$/0/') % 997) % 30000 ))
        cat >"$d/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
MaxSessions 200
MaxStartups 200
LogLevel ERROR
CFG
        "$sshd_bin" -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
        SSHD_PID=$!
        i=0
        while [ $i -lt 50 ]; do
            if ! kill -0 "$SSHD_PID" 2>/dev/null; then break; fi
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
            # /dev/tcp is bash-only: fall back to ssh-keyscan
            if ssh-keyscan -p "$port" -T 1 127.0.0.1 >/dev/null 2>&1; then break; fi
            sleep 0.1
            i=$((i + 1))
        done
        kill -0 "$SSHD_PID" 2>/dev/null && break
        tries=$((tries + 1))
    done
    kill -0 "$SSHD_PID" 2>/dev/null || { echo "sshd did not start: $(cat "$d/sshd.log")" >&2; return 1; }
    closed=$((port + 1))
    {
        echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/host_key.pub")"
        echo "hbad-key $(cut -d' ' -f1,2 "$d/other_key.pub")"
    } >"$d/known_hosts"
    cat >"$d/ssh_config" <<CFG
Host hdown
    Port $closed
Host hbad
    HostKeyAlias hbad-key
Host *
    HostName 127.0.0.1
    Port $port
    User $user
    IdentityFile $d/id
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $d/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    LogLevel ERROR
CFG
    SSH_CONFIG=$d/ssh_config
    export SSH_CONFIG
}

sshd_stop() {
    [ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null
    SSHD_PID=
}
