#!/usr/bin/env bash
# cibuildwheel before-all (ci/cibuildwheel.toml): build the OpenSSL 3.5 that
# the release wheels bundle, once per build container / host.
#
#   bash ci/cibw-before-all.sh          installs into $PYSSL_OPENSSL_DIR
#
# Runs on manylinux (AlmaLinux/RHEL: dnf or yum), musllinux (Alpine: apk)
# and macOS. Windows takes OpenSSL from vcpkg instead (see the toml). The
# release tarball is downloaded from openssl.org (GitHub's release mirror as a
# fallback) and must match the pinned SHA-256 below, which is the digest of
# the tarball OpenSSL signed for 3.5.7 (checked against its .asc with the
# OpenSSL release key). Bump OPENSSL_VERSION and OPENSSL_SHA256 together.
#
# The libraries are shared, with an rpath to the prefix, so setup.py links
# them (PYSSL_OPENSSL_DIR) and the repair step (auditwheel on Linux,
# delocate on macOS) copies them into the wheel under hashed names: the
# bundled copy never collides with the libssl the interpreter's own _ssl
# loads in the same process.
#
# OPENSSLDIR is /etc/ssl, so the bundled OpenSSL's default trust store
# (cert.pem, certs/) is the target system's, not a path of the build machine.
#
# Not runnable on the development machines (no download allowed there):
# ci/build-wheel.sh is the local equivalent, from Debian's source package.
set -euo pipefail

OPENSSL_VERSION=3.5.7
OPENSSL_SHA256=a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8
URLS=(
    "https://www.openssl.org/source/openssl-$OPENSSL_VERSION.tar.gz"
    "https://github.com/openssl/openssl/releases/download/openssl-$OPENSSL_VERSION/openssl-$OPENSSL_VERSION.tar.gz"
)

os=$(uname -s)
case $os in
    Linux) default_prefix=/opt/pyssl-openssl ;;
    Darwin) default_prefix=/tmp/pyssl-openssl ;;
    MINGW* | MSYS* | CYGWIN*)
        echo "cibw-before-all.sh: on Windows OpenSSL comes from vcpkg (ci/cibuildwheel.toml)" >&2
        exit 1 ;;
    *) echo "cibw-before-all.sh: unsupported build host $os" >&2; exit 1 ;;
esac
prefix=${PYSSL_OPENSSL_DIR:-$default_prefix}

if [ -f "$prefix/.done-$OPENSSL_VERSION" ]; then
    echo "OpenSSL $OPENSSL_VERSION already in $prefix"
    exit 0
fi

# -- build prerequisites -------------------------------------------------
# OpenSSL's Configure is Perl and needs IPC::Cmd, which RHEL-family images
# split out of the base perl package.
if [ "$os" = Linux ]; then
    if command -v apk >/dev/null 2>&1; then
        apk add --no-cache perl make linux-headers curl
    else
        pm=$(command -v dnf || command -v yum)
        "$pm" install -y perl perl-IPC-Cmd make curl
        # Not in every image's repositories; the build works without them.
        "$pm" install -y perl-Time-Piece perl-Pod-Html || true
    fi
fi

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    else
        shasum -a 256 "$1" | awk '{print $1}'
    fi
}

fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl --fail --location --silent --show-error --retry 3 -o "$2" "$1"
    else
        wget -q -O "$2" "$1"
    fi
}

# -- download and verify ---------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$work/openssl-$OPENSSL_VERSION.tar.gz
got=
for url in "${URLS[@]}"; do
    if fetch "$url" "$tarball"; then
        got=$(sha256 "$tarball")
        [ "$got" = "$OPENSSL_SHA256" ] && break
        echo "cibw-before-all.sh: $url has SHA-256 $got, expected $OPENSSL_SHA256" >&2
    fi
    rm -f "$tarball"
done
[ -f "$tarball" ] || { echo "cibw-before-all.sh: no verified openssl-$OPENSSL_VERSION.tar.gz" >&2; exit 1; }
tar -xzf "$tarball" -C "$work"

# -- configure, build, install ------------------------------------------------
cd "$work/openssl-$OPENSSL_VERSION"
config_args=(--prefix="$prefix" --openssldir=/etc/ssl --libdir=lib shared no-tests no-docs)
if [ "$os" = Linux ]; then
    jobs=$(nproc)
    ./config "${config_args[@]}" "-Wl,-rpath,$prefix/lib"
else
    jobs=$(sysctl -n hw.ncpu)
    # One architecture per run: the host's (ci/cibuildwheel.toml builds
    # native wheels on an x86_64 and an arm64 runner). The deployment
    # target matches the wheel's.
    export MACOSX_DEPLOYMENT_TARGET=${MACOSX_DEPLOYMENT_TARGET:-11.0}
    ./Configure "darwin64-$(uname -m)-cc" "${config_args[@]}"
fi
make -j"$jobs" >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; exit 1; }
make install_sw >>"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; exit 1; }
"$prefix/bin/openssl" version
touch "$prefix/.done-$OPENSSL_VERSION"
echo "PYSSL_OPENSSL_DIR=$prefix"
