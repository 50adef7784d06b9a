#!/usr/bin/env bash
# CPython 3.13.5 (Debian trixie's source) with pyssl's C core compiled in as
# its built-in _ssl: its own test_ssl must pass as it does on the stock _ssl.
#
#   ci/embedded-conformance.sh [--gate]
#
# ci/build-embedded-cpython.sh 3.13 builds the interpreter (cached: a warm
# run recompiles only the csrc/ files that changed) and, from the same
# configured tree, the stock Modules/_ssl.c as an extension module. The
# baseline is that stock _ssl loaded in place of the built-in one into the
# very same interpreter (tests/conformance.py --stock-ssl: its "stdlib" mode);
# "core" mode is the interpreter as built. Same binary, same Lib/, same
# OpenSSL, same configure flags: any difference is the _ssl's. Regressions are
# gated against tests/deviations.txt as on the other interpreters.
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
gate=
[ "${1:-}" = "--gate" ] && gate=--gate
build=$(bash ci/build-embedded-cpython.sh 3.13 | tail -n 1) || {
    echo "embedded-conformance: the build failed" >&2; exit 1; }
stock=$(ls "$build"/stock-ssl/_ssl.*.so)
out=$CACHE/logs/embedded-3.13.conformance
mkdir -p "$CACHE/logs"
status=0
python3 tests/conformance.py --python "$build/python" --stock-ssl "$stock" \
    --modes stdlib,core --suite test.test_ssl --deviations tests/deviations.txt \
    $gate >"$out" 2>&1 || status=1
sed -n '/REGRESSIONS (/,/^$/p;/HANG\|CRASH\|SETUP-ERROR/p' "$out" | head -n 80
grep "^SUMMARY" "$out" | sed 's/^/   /'
exit $status
