#!/usr/bin/env bash
# Runs a command inside the arm64 root (made by tools/arm64-root.sh) under qemu-user
# emulation: the aarch64 JDK and Python there run Java compiled on the host.
#
#   tools/arm64-run.sh [-e NAME=VALUE]... [-b DIR]... [-w DIR] -- COMMAND [ARG]...
#
# The project directory and Gradle's dependency cache (~/.gradle/caches/modules-2) are
# bind-mounted at their own paths (so a classpath written on the host is valid inside),
# with any -b DIR; /proc and /dev are mounted. Every mount is made in a private mount
# namespace (unshare), so none outlives the command, whatever happens to it. The command
# runs with only PATH, HOME, LANG and the -e variables set, in -w DIR (default: the
# project directory). Exit status: the command's; 3 when the root is not ready.
set -euo pipefail
PROJECT=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$("$PROJECT/tools/arm64-root.sh" path)

envs=()
binds=("$PROJECT" "$HOME/.gradle/caches/modules-2")
workdir=$PROJECT
while [ $# -gt 0 ]; do
    case "$1" in
        -e) envs+=("$2"); shift 2 ;;
        -b) binds+=("$2"); shift 2 ;;
        -w) workdir=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "arm64-run: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ ! -e "$ROOT/.pybridge-stamps/venv" ]; then
    echo "arm64-run: the arm64 root $ROOT is not ready: run ./dev setup" >&2
    exit 3
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"

# Inside the new namespace: mount, then chroot. Arguments: root, workdir, #binds,
# binds..., #envs, envs..., command...
exec $SUDO unshare --mount --propagation private bash -c '
    set -euo pipefail
    root=$1 wd=$2 nb=$3; shift 3
    for ((i = 0; i < nb; i++)); do
        d=$1; shift
        [ -d "$d" ] || continue
        mkdir -p "$root$d"
        mount --bind "$d" "$root$d"
    done
    ne=$1; shift
    envs=()
    for ((i = 0; i < ne; i++)); do envs+=("$1"); shift; done
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root \
        LANG=C.UTF-8 "${envs[@]}" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$wd" "$@"
' arm64-run "$ROOT" "$workdir" "${#binds[@]}" "${binds[@]}" "${#envs[@]}" "${envs[@]}" "$@"
