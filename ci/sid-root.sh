#!/usr/bin/env bash
# A Debian sid root holding CPython 3.13, 3.14 and 3.15 (Debian's binary
# packages: pythonX.Y, -dev, -venv, and libpythonX.Y-testsuite for Lib/test)
# over sid's OpenSSL, for ci/sid-conformance.sh. Built once into
# $PYSSL_CACHE/sid-root (a stamp file, written last, marks it complete) and
# reused after that.
#
#   ci/sid-root.sh            build if needed, then print the versions
#   ci/sid-root.sh run CMD... run CMD inside the root (as ci/sid-conformance.sh does)
#
# The root is fetched from the same Debian mirror the host's apt uses.
set -euo pipefail
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
ROOT=$CACHE/sid-root
STAMP=$ROOT/.pyssl-complete
MINORS="3.13 3.14 3.15"

# Run a command chrooted into $ROOT with /proc, /dev, /dev/pts and /sys
# mounted; unshare -m gives it a private mount namespace, so the mounts go
# away with the process.
in_root() {
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
    unshare -m --propagation private sh -euc '
        r=$1; shift
        mount -t proc proc "$r/proc"
        mount --rbind /dev "$r/dev"
        mount --rbind /sys "$r/sys"
        exec chroot "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
    ' sh "$ROOT" "$@"
}

# The host's Debian mirror: the first deb URI ending in /debian in its apt
# sources (deb822 or one-line format).
mirror() {
    local uri
    uri=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 | tr -d ' ') || true
    echo "${uri:-http://deb.debian.org/debian}"
}

build() {
    if ! command -v debootstrap >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    local url
    url=$(mirror)
    echo "sid-root: debootstrap sid from $url into $ROOT"
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    debootstrap --variant=minbase sid "$ROOT" "$url" >"$CACHE/logs/sid-debootstrap.log" 2>&1 || {
        tail -n 20 "$CACHE/logs/sid-debootstrap.log"; echo "sid-root: debootstrap failed" >&2; exit 1; }

    # The mirror may serve a frozen snapshot whose Release files are past
    # their Valid-Until date; apt would refuse them.
    echo 'Acquire::Check-Valid-Until "false";' >"$ROOT/etc/apt/apt.conf.d/99pyssl"
    in_root apt-get update -qq
    local pkgs=(libssl-dev openssl gcc make pkg-config ca-certificates) minor
    for minor in $MINORS; do
        if in_root apt-cache show "python$minor" >/dev/null 2>&1; then
            pkgs+=("python$minor" "python$minor-dev" "python$minor-venv" "libpython$minor-testsuite")
        else
            echo "sid-root: python$minor is not in sid; going on without it"
        fi
    done
    in_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$CACHE/logs/sid-apt.log" 2>&1 || {
        tail -n 20 "$CACHE/logs/sid-apt.log"; echo "sid-root: apt-get install failed" >&2; exit 1; }
    in_root apt-get clean
    date -u >"$STAMP"
}

mkdir -p "$CACHE/logs"
if [ "${1:-}" = run ]; then
    shift
    [ -f "$STAMP" ] || { echo "sid-root: no complete root at $ROOT; run ci/sid-root.sh first" >&2; exit 2; }
    in_root "$@"
    exit
fi

[ -f "$STAMP" ] || build
for minor in $MINORS; do
    [ -x "$ROOT/usr/bin/python$minor" ] && in_root "python$minor" -c \
        'import sys, ssl; print("sid-root: Python", sys.version.split()[0], "stdlib ssl on", ssl.OPENSSL_VERSION)'
done
in_root openssl version
