#!/usr/bin/env bash
# Build an OpenSSL from Debian's source package into a private prefix.
#
#   ci/build-openssl.sh 1.1.1|3.5      prints the prefix on its last line
#
#   1.1.1  Debian bullseye's openssl (1.1.1w)
#   3.5    Debian trixie's openssl (3.5.x)
#
# The prefix is ${PYSSL_CACHE:-$HOME/.cache/pyssl}/openssl-<version>; a
# finished build (marked by .done) is reused, so CI pays for it once per
# machine. Never touches the system OpenSSL. Use it with
#   PYSSL_OPENSSL_DIR=<prefix> pip install .
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want=${1:?usage: ci/build-openssl.sh 1.1.1|3.5}
case $want in
    1.1.1) suite=bullseye ;;
    3.5) suite=trixie ;;
    *) echo "unknown OpenSSL version $want (1.1.1 or 3.5)" >&2; exit 2 ;;
esac
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
prefix=$CACHE/openssl-$want
if [ -f "$prefix/.done" ]; then
    echo "$prefix"
    exit 0
fi

list=/etc/apt/sources.list.d/pyssl-deb-src-$suite.sources
if [ ! -f "$list" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$suite" > "$list"
    apt-get update -qq >&2
fi

src=$CACHE/src-$want
rm -rf "$src" "$prefix"
mkdir -p "$src"
"$here/fetch-deb-source.sh" openssl "$want" "$src"
cd "$src/tree"
# Shared libraries with an rpath to the prefix, so an extension linked
# against them finds them without LD_LIBRARY_PATH.
./config --prefix="$prefix" --openssldir="$prefix/ssl" --libdir=lib shared \
    no-tests "-Wl,-rpath,$prefix/lib" >&2
make -j"$(nproc)" >"$src/build.log" 2>&1 || { tail -n 40 "$src/build.log" >&2; exit 1; }
make install_sw install_ssldirs >>"$src/build.log" 2>&1
# Trust what the system trusts, so default verification works with it.
rmdir "$prefix/ssl/certs" 2>/dev/null && ln -s /etc/ssl/certs "$prefix/ssl/certs"
touch "$prefix/.done"
rm -rf "$src/tree"
echo "$prefix"
