#!/usr/bin/env bash
# Prove that csrc/ compiles for Windows: cross-compile every csrc/*.c with
# mingw-w64 and the Linux build's warning flags (-Wall -Wextra -Werror).
#
#   ci/mingw-check.sh
#
# Against:
#   - OpenSSL 3.5's headers from Debian trixie's openssl source, configured
#     for mingw64 (Configure mingw64 + make build_generated, which writes
#     the generated headers; the libraries are not built);
#   - CPython 3.13's headers with the Windows pyconfig.h (PC/pyconfig.h.in,
#     which needs no filling for a GIL build: Windows' build only uncomments
#     Py_GIL_DISABLED for free-threading), from Debian's python3.13 source.
# Both are cached under ${PYSSL_CACHE:-~/.cache/pyssl}/mingw (marked .done),
# so only the first run fetches and configures.  Nothing is linked or run:
# this catches POSIX-only calls, headers and types, not behaviour.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
DIR=$CACHE/mingw
CC=x86_64-w64-mingw32-gcc
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$DIR"

if ! command -v "$CC" >/dev/null; then
    apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >&2 || {
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >&2
    }
fi

deb_src_trixie() {
    local list=/etc/apt/sources.list.d/pyssl-deb-src-trixie.sources
    if [ ! -f "$list" ]; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$list"
        apt-get update -qq >&2
    fi
}

# OpenSSL's headers, generated for mingw64.  ci/build-openssl.sh leaves the
# source package's files in src-3.5 (and deletes its tree): unpack those
# if they are there, else fetch the package.
openssl_headers() {
    local out=$DIR/openssl-3.5 src=$DIR/openssl-src
    [ -f "$out/.done" ] && return
    rm -rf "$out" "$src"
    mkdir -p "$src"
    if ls "$CACHE"/src-3.5/openssl_3.5*.dsc >/dev/null 2>&1; then
        cp "$CACHE"/src-3.5/openssl_3.5* "$src/"
        (cd "$src" && dpkg-source -x --no-check ./*.dsc tree >&2)
    else
        deb_src_trixie
        "$HERE/ci/fetch-deb-source.sh" openssl 3.5 "$src"
    fi
    (cd "$src/tree" &&
        ./Configure mingw64 --cross-compile-prefix=x86_64-w64-mingw32- \
            no-shared no-tests >"$src/configure.log" 2>&1 &&
        make build_generated >"$src/build.log" 2>&1) ||
        { tail -n 30 "$src"/*.log >&2; exit 1; }
    mkdir -p "$out"
    cp -r "$src/tree/include" "$out/include"
    touch "$out/.done"
    rm -rf "$src"
}

# CPython 3.13's Include/ with PC/pyconfig.h.in as its pyconfig.h.  Reuses
# ci/build-cpython-3.13.sh's unpacked tree when it is complete.
python_headers() {
    local out=$DIR/python-3.13 src=$DIR/cpython-src tree
    [ -f "$out/.done" ] && return
    rm -rf "$out" "$src"
    if [ -f "$CACHE/src-cpython-3.13/.done" ]; then
        tree=$CACHE/src-cpython-3.13/tree
    else
        mkdir -p "$src"
        deb_src_trixie
        "$HERE/ci/fetch-deb-source.sh" python3.13 '3\.13' "$src"
        tree=$src/tree
    fi
    mkdir -p "$out"
    cp -r "$tree/Include" "$out/include"
    cp "$tree/PC/pyconfig.h.in" "$out/include/pyconfig.h"
    touch "$out/.done"
    rm -rf "$src"
}

(
    flock 9
    openssl_headers
    python_headers
) 9>"$DIR/.lock"

obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
# The Linux build's flags (ci/devbuild.py, setup.py's PYSSL_WERROR).
flags=(-O1 -Wall -Wextra -Werror -Wno-unused-parameter
       -Wno-missing-field-initializers
       -I"$HERE/csrc" -I"$DIR/openssl-3.5/include" -I"$DIR/python-3.13/include"
       '-DPYSSL_MODULE_NAME="pyssl._ssl"')
failed=0
for c in "$HERE"/csrc/*.c; do
    name=$(basename "$c" .c)
    if ! "$CC" -c "$c" -o "$obj/$name.o" "${flags[@]}"; then
        echo "mingw-check: $name.c does not compile for Windows" >&2
        failed=1
    fi
done
[ "$failed" = 0 ] || exit 1
echo "mingw-check: csrc/*.c compile for Windows (x86_64-w64-mingw32, OpenSSL 3.5, CPython 3.13)"
