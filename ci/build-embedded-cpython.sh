#!/usr/bin/env bash
# Build a CPython whose built-in _ssl is pyssl's C core (csrc/).
#
#   ci/build-embedded-cpython.sh [3.11]   prints the prefix on its last line
#   ci/build-embedded-cpython.sh 3.13     prints the build directory
#
# csrc/*.c become the _ssl module through Modules/Setup.local, in its
# *static* section, so _ssl is linked into the interpreter (see
# ci/EMBEDDING.md). The stock Modules/_ssl.c is never compiled into it:
# makesetup reads Setup.local before Setup.stdlib and the first definition of
# a module wins, and setup.py (3.11) skips every module a Setup file builds.
#
# 3.11: Debian bookworm's python3.11 source package (3.11.2 + Debian's
# patches), built in its tree in $CACHE/src-cpython-3.11 and installed into
# ${PYSSL_CACHE:-$HOME/.cache/pyssl}/cpython-3.11-pyssl; a finished build
# (marked by .done) is reused as it is.
#
# 3.13: Debian trixie's python3.13 (3.13.5), the source ci/build-cpython-3.13.sh
# fetches once (its "source" mode), built out of tree in
# $CACHE/build-cpython-3.13-pyssl and run from there (./python; no install,
# which would only cost time). The configured tree is kept, and every call
# copies the current csrc/ in and runs make again, so a warm call recompiles
# only what changed in csrc/ and relinks. The same call also builds the
# tree's own, stock Modules/_ssl.c as an extension module,
# stock-ssl/_ssl.*.so, which is never on sys.path: the baseline
# ci/embedded-conformance.sh loads in its place to get "what the stock _ssl
# passes" from the very same interpreter.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
minor=${1:-3.11}
case $minor in
    3.11|3.13) ;;
    *) echo "usage: ci/build-embedded-cpython.sh [3.11|3.13]" >&2; exit 2 ;;
esac

# Write the Setup.local that makes csrc/ (copied to DIR, a path relative to
# where make runs) the built-in _ssl, to stdout. makesetup keeps a source
# that starts with "$" as it is and puts its object in Modules/<its dir>/,
# so the sources are spelled $(PYSSL_DIR)/x.c. A line with "=" is a make
# variable to makesetup, so -D goes in one.
setup_local() {
    local dir=$1 f
    echo "# pyssl's C core is this interpreter's _ssl (ci/build-embedded-cpython.sh)"
    echo "PYSSL_DIR=$dir"
    echo "PYSSL_CFLAGS=-I\$(PYSSL_DIR) -DPYSSL_MODULE_NAME='\"_ssl\"'"
    echo "*static*"
    printf '_ssl'
    for f in "$HERE"/csrc/*.c; do printf ' $(PYSSL_DIR)/%s' "${f##*/}"; done
    # What configure found for the stock _ssl (3.11+; 3.13 no longer has
    # the OPENSSL_* make variables the 3.11 recipe below uses).
    echo ' $(PYSSL_CFLAGS) $(MODULE__SSL_CFLAGS) $(MODULE__SSL_LDFLAGS)'
}

# Copy csrc/ into DIR, touching only the files whose content changed, so make
# recompiles only those. The Makefile does not know that the .c files
# include csrc's headers: when one changed, every object in OBJDIR goes.
sync_csrc() {
    local dir=$1 objdir=$2 f
    mkdir -p "$dir"
    for f in "$HERE"/csrc/*.c "$HERE"/csrc/*.h; do
        cmp -s "$f" "$dir/${f##*/}" && continue
        cp "$f" "$dir/"
        case $f in *.h) rm -f "$objdir"/*.o ;; esac
    done
}

# Debian's ensurepip refuses to run; the C test modules (_testcapi and
# friends: a fifth of the build) are not used by test_ssl. .configured
# holds these, so changing them here starts the build afresh.
CONFIGURE_313=(--with-ensurepip=no --disable-test-modules)

build_313() {
    local build=$CACHE/build-cpython-3.13-pyssl tree
    tree=$("$HERE/ci/build-cpython-3.13.sh" source | tail -n 1)
    # One make in the tree at a time: ci/prefetch.sh may be building it in
    # the background; this call then waits and only relinks what changed.
    exec 8>"$build.lock"
    flock 8
    if [ "$(cat "$build/.configured" 2>/dev/null)" != "${CONFIGURE_313[*]}" ]; then
        rm -rf "$build"
        mkdir -p "$build/Modules/_pyssl"
        sync_csrc "$build/_pyssl" "$build/Modules/_pyssl"
        setup_local _pyssl >"$build/Modules/Setup.local"
        (cd "$build" && "$tree/configure" "${CONFIGURE_313[@]}") >"$build/configure.log" 2>&1 \
            || { tail -n 40 "$build/configure.log" >&2; exit 1; }
        echo "${CONFIGURE_313[*]}" >"$build/.configured"
    fi
    cd "$build"
    sync_csrc _pyssl Modules/_pyssl
    setup_local _pyssl >Modules/Setup.local.new
    # A csrc/ file added or removed changes the module line: make then
    # regenerates the Makefile from Setup.local.
    cmp -s Modules/Setup.local.new Modules/Setup.local || mv Modules/Setup.local.new Modules/Setup.local
    rm -f Modules/Setup.local.new
    make -j2 >build.log 2>&1 || { tail -n 60 build.log >&2; exit 1; }
    if [ -e Modules/_ssl.o ] || ls build/lib.*/_ssl.*.so >/dev/null 2>&1; then
        echo "the stock Modules/_ssl.c was built into the interpreter too" >&2
        exit 1
    fi
    # The stock _ssl, compiled the way the tree builds its shared stdlib
    # modules, for the baseline run.
    make -f "$HERE/ci/stock-ssl.mk" stock-ssl >stock-ssl.log 2>&1 \
        || { tail -n 30 stock-ssl.log >&2; exit 1; }
    ./python -c '
import sys, _ssl
assert "_ssl" in sys.builtin_module_names, "_ssl is not built in"
assert not hasattr(_ssl, "__file__"), _ssl.__file__
assert hasattr(_ssl, "HAS_PSK_TLS13"), "not pyssl"  # the stock 3.13 _ssl lacks it
import ssl
print("embedded _ssl:", _ssl, ssl.OPENSSL_VERSION, "on", sys.version.split()[0])
' >&2
    echo "$build"
}
if [ "$minor" = 3.13 ]; then
    build_313
    exit 0
fi

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
