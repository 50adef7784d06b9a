#!/usr/bin/env bash
# pyssl against other OpenSSL versions: 1.1.1 (Debian bullseye) and 3.5
# (Debian trixie), each built once into a cached prefix by
# ci/build-openssl.sh, on the oldest and newest interpreters.
#
#   ci/openssl-matrix.sh [--gate]
#
# For each (OpenSSL, interpreter): build pyssl with -Werror against that
# OpenSSL into a private venv, run pyssl's pytest suite (must pass), and run
# CPython's test_ssl in core mode against the stdlib of the same interpreter.
# LD_LIBRARY_PATH points at the OpenSSL under test: 3.5 shares the soname
# libssl.so.3 with the system's 3.0, so without it whichever loads first
# (hashlib's, say) would serve both; with it the stdlib's own _ssl runs on
# 3.5 too, and the baseline is on the same OpenSSL. (1.1.1 has its own
# soname; the stdlib stays on the system 3.0 there.) --gate makes any
# regression fatal.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
gate=
[ "${1:-}" = "--gate" ] && gate=--gate
status=0
# Both are built before any test runs: tests/peers.py takes the 3.5
# `openssl` binary as an interop peer when it exists, so on a new machine
# the 1.1.1 runs would otherwise go without those cases.
declare -A prefixes
for ossl in 1.1.1 3.5; do
    if built=$(bash ci/build-openssl.sh "$ossl"); then
        prefixes[$ossl]=$(printf '%s\n' "$built" | tail -n 1)
    else
        echo "FAIL OpenSSL $ossl: build"; status=1; prefixes[$ossl]=
    fi
done
for ossl in 1.1.1 3.5; do
    prefix=${prefixes[$ossl]}
    [ -n "$prefix" ] || continue
    for minor in 3.8 3.13; do
        base=$CACHE/venv-$minor/bin/python
        venv=$CACHE/venv-$minor-openssl-$ossl
        log=$CACHE/logs/matrix-$minor-$ossl.log
        [ -x "$venv/bin/python" ] || "$base" -m venv "$venv" >"$log" 2>&1
        if ! "$venv/bin/python" -m pip install -q -U setuptools wheel $("$base" ci/test-deps.py) >>"$log" 2>&1; then
            echo "FAIL OpenSSL $ossl / Python $minor: could not install the build tools (log: $log)"
            status=1; continue
        fi
        rm -rf "$ROOT/build"
        if ! PYSSL_WERROR=1 PYSSL_OPENSSL_DIR=$prefix "$venv/bin/python" -m pip install \
                --no-build-isolation --force-reinstall --no-deps "$ROOT" >>"$log" 2>&1; then
            echo "FAIL OpenSSL $ossl / Python $minor: build (log: $log)"; tail -n 30 "$log"; status=1; continue
        fi
        export LD_LIBRARY_PATH=$prefix/lib
        extra_devs=
        [ -f "tests/deviations-openssl-$ossl.txt" ] && extra_devs="--deviations tests/deviations-openssl-$ossl.txt"
        got=$(cd / && "$venv/bin/python" -c 'import pyssl; print(pyssl.OPENSSL_VERSION)')
        echo "== OpenSSL $ossl / Python $minor: pyssl runs on $got"
        out=$CACHE/logs/matrix-$minor-$ossl.pytest
        if (cd / && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests") >"$out" 2>&1; then
            echo "   pytest: $(tail -n 1 "$out")"
        else
            echo "   pytest FAILED:"; grep -E "^(FAILED|ERROR)" "$out" | head -n 20; tail -n 1 "$out"; status=1
        fi
        out=$CACHE/logs/matrix-$minor-$ossl.conformance
        "$venv/bin/python" tests/conformance.py --python "$venv/bin/python" --modes stdlib,core \
            --suite test.test_ssl --deviations tests/deviations.txt $extra_devs $gate >"$out" 2>&1 || status=1
        sed -n '/REGRESSIONS (/,/^$/p' "$out" | head -n 30
        grep "^SUMMARY" "$out" | sed 's/^/   /'
        unset LD_LIBRARY_PATH
    done
done
exit $status
