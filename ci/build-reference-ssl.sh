#!/usr/bin/env bash
# CPython's own _ssl, built against OpenSSL 3.5 for pyenv's 3.11.7: the
# stdlib baseline on an OpenSSL newer than the interpreter was built with.
#
#   ci/build-reference-ssl.sh        prints the directory on its last line
#
# The source is Modules/_ssl.c of Debian bookworm's python3.11 (3.11.2 plus
# Debian's patches) from the tree ci/build-embedded-cpython.sh leaves in
# $CACHE/src-cpython-3.11/tree; OpenSSL 3.5 is ci/build-openssl.sh's. It is
# an internal module, so it needs -DPy_BUILD_CORE_MODULE and the
# interpreter's internal headers. It lands as
#   $CACHE/reference-ssl-3.5/pyssl/_ssl.cpython-311-x86_64-linux-gnu.so
# so that the conformance runner's core mode runs on it:
#   PYTHONPATH=$CACHE/reference-ssl-3.5 python3.11 tests/conformance.py --modes core
# Differences from 3.11.7's own _ssl.c: 3.11.2 still sets
# OP_IGNORE_UNEXPECTED_EOF by default (test_options) and lacks later fixes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
tree=$CACHE/src-cpython-3.11/tree
out=$CACHE/reference-ssl-3.5
[ -f "$tree/Modules/_ssl.c" ] || bash "$HERE/ci/build-embedded-cpython.sh" >&2
ossl=$(bash "$HERE/ci/build-openssl.sh" 3.5 | tail -n 1)
py=${PYTHON311:-$(pyenv prefix 3.11.7 2>/dev/null || echo "$HOME/.pyenv/versions/3.11.7")}/bin/python3.11
inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
mkdir -p "$out/pyssl"
gcc -shared -fPIC -O2 -g -DPy_BUILD_CORE_MODULE -I"$inc" -I"$inc/internal" \
    -I"$tree/Modules" -I"$ossl/include" "$tree/Modules/_ssl.c" \
    -L"$ossl/lib" -Wl,-rpath,"$ossl/lib" -lssl -lcrypto \
    -o "$out/pyssl/_ssl$suffix"
"$py" - "$out/pyssl/_ssl$suffix" <<'PY' >&2
import importlib.util, sys
spec = importlib.util.spec_from_file_location("_ssl", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.modules["_ssl"] = mod
import ssl
assert ssl.OPENSSL_VERSION.startswith("OpenSSL 3.5"), ssl.OPENSSL_VERSION
print("reference _ssl:", sys.argv[1], ssl.OPENSSL_VERSION)
PY
echo "$out"
