#!/usr/bin/env bash
# pyssl on the free-threaded CPython 3.13t, for CI.
#
#   ci/ft-check.sh [--gate]
#
#  1. builds (once per machine, cached) 3.13t from trixie's source
#     (ci/build-cpython-3.13.sh ft) and a venv for it, $CACHE/venv-3.13t;
#  2. installs pyssl there with pip, -Wall -Wextra -Werror (as
#     ci/build-all.sh does);
#  3. checks that `import pyssl` leaves the GIL off (no RuntimeWarning);
#  4. runs CPython's own test_ssl in stdlib, core and full mode, gated by
#     tests/deviations.txt with --gate;
#  5. runs the thread stress tests: tests/test_threads.py,
#     tests/test_shared_context.py and tests/test_free_threading.py,
#     asyncio event loops in four threads over pyssl's asyncio protocol,
#     and tests/test_stdlib_bios.py (threads on one SSLObject over the
#     stdlib's MemoryBIOs, which a PyMutex keeps in order here).
#
# 3.13t has no cryptography (cffi refuses to build for it), so no trustme:
# the tests get trustme's certificates through tests/trustme_proxy.py from
# PYSSL_TRUSTME_PYTHON (default: the 3.13 venv ci/build-all.sh made, else
# any venv here with trustme).  Exit status 1 on any failure.
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
gate=
[ "${1:-}" = "--gate" ] && gate=--gate
started=$(date +%s)
say() { echo "ft-check [$(( $(date +%s) - started ))s]: $*"; }
mkdir -p "$CACHE/logs"
log=$CACHE/logs/ft-check-build.log

prefix=$(bash ci/build-cpython-3.13.sh ft | tail -n 1) || { say "3.13t did not build"; exit 1; }
venv=$CACHE/venv-3.13t
py=$venv/bin/python
# A venv older than its interpreter (rebuilt) is made again.
if [ ! -x "$py" ] || [ "$prefix/.done" -nt "$venv/pyvenv.cfg" ]; then
    rm -rf "$venv"
    "$prefix/bin/python" -m venv "$venv" || { say "no venv"; exit 1; }
fi
# Only what has a wheel for 3.13t (or builds without a compiler): pytest.
if ! "$py" -m pip install -q --upgrade pip setuptools wheel pytest >"$log" 2>&1; then
    tail -n 20 "$log"; say "pip could not install the test tools"; exit 1
fi
if ! PYSSL_WERROR=1 "$py" -m pip install --no-build-isolation --force-reinstall \
        --no-deps -v . >>"$log" 2>&1; then
    grep -E "error|warning" "$log" | tail -n 30
    say "pyssl did not build with -Werror on 3.13t (log: $log)"; exit 1
fi
say "pyssl built (-Werror) and installed in $venv"

status=0
# 3. The module says it does not need the GIL, so importing it keeps it off.
if out=$(cd /tmp && env -u PYTHON_GIL "$py" -W error::RuntimeWarning -c \
        'import sys, pyssl, pyssl._ssl; print(sys._is_gil_enabled())' 2>&1) &&
   [ "$out" = False ]; then
    say "import pyssl leaves the GIL disabled"
else
    say "FAIL: import pyssl enabled the GIL or warned: $out"; status=1
fi

# 4. CPython's test_ssl, this interpreter's own.
if ! python3 tests/conformance.py --python "$py" --modes stdlib,core,full \
        --suite test.test_ssl --deviations tests/deviations.txt $gate; then
    say "FAIL: test_ssl on 3.13t"; status=1
fi

# 5. The thread stress suite, GIL off.
if [ -z "${PYSSL_TRUSTME_PYTHON:-}" ]; then
    for cand in "$CACHE/venv-3.13/bin/python" "$CACHE"/venv-3.1[0-2]/bin/python; do
        if [ -x "$cand" ] && "$cand" -c 'import trustme' 2>/dev/null; then
            export PYSSL_TRUSTME_PYTHON=$cand
            break
        fi
    done
fi
if [ -z "${PYSSL_TRUSTME_PYTHON:-}" ]; then
    say "FAIL: no interpreter with trustme for the certificates (set PYSSL_TRUSTME_PYTHON)"
    exit 1
fi
if ! (cd tests && env -u PYTHON_GIL "$py" -m pytest -q -p no:cacheprovider \
        test_free_threading.py test_threads.py test_shared_context.py \
        test_asyncio_protocol.py::test_event_loops_in_several_threads \
        test_stdlib_bios.py); then
    say "FAIL: thread stress tests on 3.13t"; status=1
fi
say "done, status $status"
exit $status
