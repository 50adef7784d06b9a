#!/usr/bin/env bash
# Build a variant of CPython 3.13 from Debian trixie's python3.13 source
# package (3.13.5 + Debian's patches) into a private, cached prefix.
#
#   ci/build-cpython-3.13.sh ft|debug|tsan     prints the prefix on its last line
#   ci/build-cpython-3.13.sh source            only fetch; prints the source tree
#
#   ft     free-threaded 3.13t (--disable-gil)
#   debug  --with-pydebug, for regrtest's -R refleak hunting
#   tsan   free-threaded with ThreadSanitizer (--disable-gil
#          --with-thread-sanitizer); extensions built for it need
#          -fsanitize=thread too
#   source only the fetch below, for builds that live elsewhere
#          (ci/build-embedded-cpython.sh 3.13 builds its own out of tree)
#
# The source is fetched and unpacked once into $CACHE/src-cpython-3.13/tree
# (under a lock, so variants can build side by side) and never built in:
# each variant builds out of tree in $CACHE/build-cpython-3.13-VARIANT and
# installs into $CACHE/cpython-3.13-VARIANT. A finished prefix (marked by
# .done) is reused, so CI pays for a build once per machine; a variant
# builds under its own lock, so a second call waits for the first (see
# ci/prefetch.sh). Never touches the system's or pyenv's interpreters.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
variant=${1:?usage: ci/build-cpython-3.13.sh ft|debug|tsan|source}
case $variant in
    source) flags=() ;;
    ft) flags=(--disable-gil) ;;
    debug) flags=(--with-pydebug) ;;
    # The Makefile links without -fsanitize=thread unless LDFLAGS (read
    # by configure and by make from the environment) has it: the first
    # link (_freeze_module) fails otherwise.
    tsan) flags=(--disable-gil --with-thread-sanitizer)
          export LDFLAGS="-fsanitize=thread ${LDFLAGS:-}" ;;
    *) echo "unknown variant $variant (ft, debug, tsan or source)" >&2; exit 2 ;;
esac
prefix=$CACHE/cpython-3.13-$variant
build=$CACHE/build-cpython-3.13-$variant
src=$CACHE/src-cpython-3.13
# The stamp in .done: a free-threaded prefix built by an older version of
# this script (before the site.py fix below) is built again.
stamp=site-abi-thread
built() {
    [ -f "$prefix/.done" ] &&
        { [ "$variant" = debug ] || grep -qx "$stamp" "$prefix/.done"; }
}
if built; then
    echo "$prefix"
    exit 0
fi
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive

# The headers of the stdlib modules test_ssl and its helpers import.
need=()
for pkg in gcc make dpkg-dev pkg-config libssl-dev libffi-dev zlib1g-dev \
           libbz2-dev liblzma-dev libsqlite3-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
(
    flock 9
    list=/etc/apt/sources.list.d/pyssl-deb-src-trixie.sources
    if [ ! -f "$list" ]; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$list"
        apt-get update -qq >&2
    elif [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq >&2
    fi
    if [ ${#need[@]} -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    fi
    if [ ! -f "$src/.done" ]; then
        rm -rf "$src"
        mkdir -p "$src"
        "$HERE/ci/fetch-deb-source.sh" python3.13 '3\.13' "$src"
        touch "$src/.done"
    fi
    # Debian's site.py looks for a venv's packages in lib/python3.13/,
    # where pip (through sysconfig) puts them in lib/python3.13t/ on a
    # free-threaded build: nothing installed in a 3.13t venv, pip
    # included, could be imported.  Name the directory as sysconfig does
    # (site is frozen into the binary, so this must be done before the
    # build; a no-op for the GIL build, whose abi_thread is empty).
    python3 - "$src/tree/Lib/site.py" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = '"python%d.%d" % sys.version_info[:2],\n                                                 "site-packages"'
new = '"python%d.%d%s" % (sys.version_info[:2] + (abi_thread,)),\n                                                 "site-packages"'
if old in text:
    open(path, "w").write(text.replace(old, new))
PY
) 9>"$CACHE/src-cpython-3.13.lock"
if [ "$variant" = source ]; then
    echo "$src/tree"
    exit 0
fi

# One build of a variant at a time: ci/prefetch.sh may be building this one
# in the background.  Wait for it, then take what it made.
exec 8>"$CACHE/cpython-3.13-$variant.lock"
flock 8
if built; then
    echo "$prefix"
    exit 0
fi
rm -rf "$build" "$prefix"
mkdir -p "$build"
cd "$build"
# Debian patches ensurepip to refuse to run; venvs are made --without-pip.
"$src/tree/configure" --prefix="$prefix" --with-ensurepip=no "${flags[@]}" \
    >"$build/configure.log" 2>&1 || { tail -n 40 "$build/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$build/build.log" 2>&1 || { tail -n 60 "$build/build.log" >&2; exit 1; }
make install >"$build/install.log" 2>&1 || { tail -n 40 "$build/install.log" >&2; exit 1; }
py=$(ls "$prefix"/bin/python3.13* | grep -E 'python3\.13t?d?$' | head -n 1)
"$py" -c 'import ssl, ctypes, sqlite3, zlib, test.test_ssl' >&2
ln -sf "$(basename "$py")" "$prefix/bin/python"
echo "$stamp" > "$prefix/.done"
echo "$prefix"
