#!/usr/bin/env bash
# Build a CPython 3.11 whose built-in _ssl is pyssl's C core (csrc/).
#
#   ci/build-embedded-cpython.sh          prints the prefix on its last line
#
# Source: Debian bookworm's python3.11 source package (3.11.2 + Debian's
# patches). csrc/*.c become the _ssl module through Modules/Setup.local, in
# its *static* section, so _ssl is linked into the interpreter (see
# ci/EMBEDDING.md). The stock Modules/_ssl.c is never compiled: makesetup
# reads Setup.local before Setup.stdlib and the first definition of a module
# wins, and setup.py skips every module a Setup file already builds.
#
# The prefix is ${PYSSL_CACHE:-$HOME/.cache/pyssl}/cpython-3.11-pyssl; a
# finished build (marked by .done) is reused. The build tree is kept in
# $CACHE/src-cpython-3.11 so `./python -m test test_ssl` can run in it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
prefix=$CACHE/cpython-3.11-pyssl
src=$CACHE/src-cpython-3.11
if [ -f "$prefix/.done" ]; then
    echo "$prefix"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive

# Only what the build needs: gcc/make and the headers of the stdlib modules
# test_ssl and its helpers import (ssl, ctypes, zlib, bz2, lzma, sqlite3).
need=()
for pkg in gcc make dpkg-dev pkg-config libssl-dev libffi-dev zlib1g-dev \
           libbz2-dev liblzma-dev libsqlite3-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done

list=/etc/apt/sources.list.d/pyssl-deb-src-bookworm.sources
if [ ! -f "$list" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        > "$list"
    apt-get update -qq >&2
elif [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq >&2
fi
if [ ${#need[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

rm -rf "$src" "$prefix"
mkdir -p "$src"
"$HERE/ci/fetch-deb-source.sh" python3.11 '3\.11' "$src"
cd "$src/tree"

# pyssl's C core as the built-in _ssl. Setup lines name sources relative to
# Modules/ and makesetup puts each object next to its source, so csrc/ is
# copied to Modules/_pyssl/ (the way _decimal/ and expat/ live there).
# PYSSL_MODULE_NAME is "_ssl" by default already; spelled out so the recipe
# shows the switch.
rm -rf Modules/_pyssl
mkdir Modules/_pyssl
cp "$HERE"/csrc/*.c "$HERE"/csrc/*.h Modules/_pyssl/
{
    echo "# pyssl's C core is this interpreter's _ssl (ci/build-embedded-cpython.sh)"
    echo "# A line with '=' is a make variable to makesetup, so -D goes in one."
    echo "PYSSL_CFLAGS=-I\$(srcdir)/Modules/_pyssl -DPYSSL_MODULE_NAME='\"_ssl\"'"
    echo "*static*"
    printf '_ssl'
    for f in Modules/_pyssl/*.c; do printf ' _pyssl/%s' "${f##*/}"; done
    echo ' $(PYSSL_CFLAGS) $(OPENSSL_INCLUDES) $(OPENSSL_LDFLAGS) $(OPENSSL_RPATH) $(OPENSSL_LIBS)'
} > Modules/Setup.local
cat Modules/Setup.local >&2

# Debian patches ensurepip to refuse to run; pip is not needed here.
./configure --prefix="$prefix" --with-ensurepip=no >"$src/configure.log" 2>&1 \
    || { tail -n 40 "$src/configure.log" >&2; exit 1; }
make -j2 >"$src/build.log" 2>&1 || { tail -n 60 "$src/build.log" >&2; exit 1; }
if [ -e Modules/_ssl.o ] || ls build/lib.*/_ssl.*.so >/dev/null 2>&1; then
    echo "the stock Modules/_ssl.c was built too" >&2
    exit 1
fi
./python -c '
import sys, _ssl
assert "_ssl" in sys.builtin_module_names, "_ssl is not built in"
assert not hasattr(_ssl, "__file__"), _ssl.__file__
assert _ssl._SSLContext.__module__ == "_ssl", _ssl._SSLContext.__module__
assert hasattr(_ssl, "HAS_PSK_TLS13"), "not pyssl"  # the stock 3.11 _ssl lacks it
import ssl
print("embedded _ssl:", _ssl, ssl.OPENSSL_VERSION)
' >&2
make install >"$src/install.log" 2>&1 || { tail -n 40 "$src/install.log" >&2; exit 1; }
touch "$prefix/.done"
echo "$prefix"
