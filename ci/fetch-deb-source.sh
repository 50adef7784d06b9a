#!/usr/bin/env bash
# Download and unpack a Debian source package (a deb-src entry for its suite
# must already be configured).
#
#   ci/fetch-deb-source.sh PACKAGE VERSION_PREFIX DIR
#
# Unpacks the newest version of PACKAGE whose version starts with
# VERSION_PREFIX into DIR/tree. The index can name a version the mirror no
# longer holds, so each candidate is tried, newest first, until one
# downloads. DIR must exist and be empty.
set -euo pipefail
pkg=${1:?usage: ci/fetch-deb-source.sh PACKAGE VERSION_PREFIX DIR}
want=${2:?usage: ci/fetch-deb-source.sh PACKAGE VERSION_PREFIX DIR}
dir=${3:?usage: ci/fetch-deb-source.sh PACKAGE VERSION_PREFIX DIR}
for ver in $(apt-cache showsrc "$pkg" | awk '/^Version:/ {print $2}' | grep "^$want" | sort -rVu); do
    if (cd "$dir" && apt-get source -qq --download-only "$pkg=$ver" >&2); then
        (cd "$dir" && dpkg-source -x --no-check ./*.dsc tree >&2)
        exit 0
    fi
    rm -f "$dir"/*
done
echo "no $pkg $want source package could be fetched" >&2
exit 1
