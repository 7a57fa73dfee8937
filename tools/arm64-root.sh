#!/usr/bin/env bash
# Makes and caches the arm64 Debian root that ./dev test runs the aarch64 compatibility
# suite in, under qemu-user emulation (docs/decisions/aarch64.md). Called by ./dev setup.
#
#   tools/arm64-root.sh          make what is missing (idempotent; each step has a stamp)
#   tools/arm64-root.sh path     print the root's path
#
# The root lives outside the clone, in ~/.cache/pybridge-dev/arm64-root (PYBRIDGE_ARM64_ROOT),
# so every clone and CI on the machine share it. It holds Debian bookworm (arm64, minbase),
# CPython 3.11 with its shared libpython and headers, OpenJDK 17, the host's extra CA
# certificates, and a virtualenv /opt/pybridge-venv with requirements.txt (numpy, pyarrow,
# pandas: their aarch64 wheels). About 2 GB.
#
# When it cannot be made (not Linux x86-64, no root or sudo, no binfmt_misc, no network,
# PYBRIDGE_NO_ARM64=1), it says why in one line, writes the reason to
# ~/.cache/pybridge-dev/arm64-root.skipped (./dev test's closing line repeats it) and exits 0:
# the rest of the build does not need it.
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$(pwd)

CACHE=${PYBRIDGE_DEV_CACHE:-$HOME/.cache/pybridge-dev}
ROOT=${PYBRIDGE_ARM64_ROOT:-$CACHE/arm64-root}
SUITE=bookworm
SKIPPED="$CACHE/arm64-root.skipped"
TIMES="$CACHE/arm64-root.times"
# The root's packages; changing this list re-runs the step that installs them.
PACKAGES="python3.11 libpython3.11 python3.11-venv python3.11-dev openjdk-17-jdk-headless ca-certificates"
VENV=/opt/pybridge-venv

log() { printf '\033[1m[dev]\033[0m arm64 root: %s\n' "$*" >&2; }

if [ "${1:-}" = path ]; then
    echo "$ROOT"
    exit 0
fi

skip() {
    mkdir -p "$CACHE"
    echo "$*" > "$SKIPPED"
    log "NOT MADE ($*): the aarch64 compatibility run (compat 3.11 aarch64) will not run"
    exit 0
}

[ "${PYBRIDGE_NO_ARM64:-}" = 1 ] && skip "PYBRIDGE_NO_ARM64=1"
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m), not x86-64: the emulated run is for x86-64 hosts"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || skip "needs root or password-less sudo (debootstrap, chroot, binfmt_misc)"
    SUDO="sudo -n"
fi
mkdir -p "$CACHE"

# One setup at a time on the machine (CI and clones share the root).
exec 9>"$CACHE/arm64-root.lock"
flock 9

stamp_ok() {  # stamp_ok STEP WANT: the step was done with these inputs
    [ "$(cat "$ROOT/.pybridge-stamps/$1" 2>/dev/null)" = "$2" ]
}
stamp() {
    $SUDO mkdir -p "$ROOT/.pybridge-stamps"
    echo "$2" | $SUDO tee "$ROOT/.pybridge-stamps/$1" >/dev/null
}
timed() {  # timed STEP COMMAND...: runs it, logs and records its time
    local t0 t1
    t0=$(date +%s)
    "${@:2}"
    t1=$(date +%s)
    log "$1: $((t1 - t0)) s"
    echo "$(date -u +%FT%TZ) $1 $((t1 - t0)) s" >> "$TIMES"
}

# ---- host tools: qemu-user-static, debootstrap, binfmt-support; binfmt_misc ---------------
host_tools() {
    local missing=() pkg
    for pkg in qemu-user-static debootstrap binfmt-support; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        $SUDO apt-get update -qq || return 1
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    fi
}
binfmt() {
    # debootstrap's second stage and everything run in the chroot start aarch64 binaries
    # through the kernel's binfmt_misc, which a fresh machine has not mounted.
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || return 1
    fi
    if [ "$(cat /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null | head -1)" != enabled ]; then
        $SUDO update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || return 1
    fi
    [ "$(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" = enabled ]
}

mirror() {
    # The Debian mirror apt uses here (deb822 .sources or sources.list), else deb.debian.org.
    if [ -n "${PYBRIDGE_ARM64_MIRROR:-}" ]; then echo "$PYBRIDGE_ARM64_MIRROR"; return; fi
    local m
    m=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
        | grep -v -E 'security|updates' | grep -E '/debian/?$' | head -1 || true)
    [ -n "$m" ] || m=$(grep -hs -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' \
        | grep -v security | grep -E '/debian/?$' | head -1 || true)
    echo "${m:-http://deb.debian.org/debian}"
}

# Runs a command inside the root with /proc mounted (the JDK's and apt's scripts need it).
in_root() {
    local mounted=0
    if ! mountpoint -q "$ROOT/proc"; then
        $SUDO mount -t proc proc "$ROOT/proc" && mounted=1
    fi
    local rc=0
    $SUDO env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        chroot "$ROOT" "$@" || rc=$?
    if [ $mounted = 1 ]; then $SUDO umount "$ROOT/proc" || true; fi
    return $rc
}

bootstrap() {
    # debootstrap into a fresh directory; a half-made root (interrupted) is started over.
    $SUDO rm -rf "$ROOT"
    $SUDO debootstrap --arch=arm64 --variant=minbase "$SUITE" "$ROOT" "$(mirror)" >"$CACHE/arm64-debootstrap.log" 2>&1 \
        || { log "debootstrap failed (see $CACHE/arm64-debootstrap.log)"; return 1; }
}

packages() {
    $SUDO cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    in_root apt-get update -qq && in_root apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
}

certificates() {
    # The host's extra CA certificates (a proxy's), so pip inside the root reaches PyPI.
    $SUDO mkdir -p "$ROOT/usr/local/share/ca-certificates"
    local c
    for c in /usr/local/share/ca-certificates/*.crt; do
        [ -e "$c" ] && $SUDO cp "$c" "$ROOT/usr/local/share/ca-certificates/"
    done
    $SUDO cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    in_root update-ca-certificates >/dev/null
}

venv() {
    $SUDO rm -rf "$ROOT$VENV"
    $SUDO mkdir -p "$ROOT/tmp/pybridge-req"
    $SUDO cp requirements.txt "$ROOT/tmp/pybridge-req/"
    in_root python3.11 -m venv "$VENV" \
        && in_root env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
            "$VENV/bin/pip" install -q --only-binary=:all: -r /tmp/pybridge-req/requirements.txt \
        && in_root "$VENV/bin/python" -c 'import numpy, sys; print(sys.version.split()[0], numpy.__version__)' >/dev/null
}

host_tools || skip "could not install qemu-user-static, debootstrap, binfmt-support on the host"
binfmt || skip "binfmt_misc cannot be mounted or qemu-aarch64 enabled (an unprivileged container?)"

want_boot="$SUITE arm64 minbase"
if ! stamp_ok bootstrap "$want_boot"; then
    log "debootstrap $SUITE arm64 into $ROOT (from $(mirror))"
    timed debootstrap bootstrap || skip "debootstrap failed"
    stamp bootstrap "$want_boot"
fi
if ! stamp_ok packages "$PACKAGES"; then
    log "installing $PACKAGES (under emulation)"
    timed packages packages || skip "apt-get install in the root failed"
    stamp packages "$PACKAGES"
fi
want_certs=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-16)
if ! stamp_ok certificates "$want_certs"; then
    timed certificates certificates || skip "update-ca-certificates in the root failed"
    stamp certificates "$want_certs"
fi
want_venv=$(sha256sum requirements.txt | cut -c1-16)
if ! stamp_ok venv "$want_venv"; then
    log "making $VENV in the root with requirements.txt (aarch64 wheels)"
    timed venv venv || skip "the root's virtualenv (pip install -r requirements.txt) failed"
    stamp venv "$want_venv"
fi
rm -f "$SKIPPED"
