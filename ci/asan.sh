#!/usr/bin/env bash
# Sanitizer run: build pyssl._ssl with AddressSanitizer and
# UndefinedBehaviorSanitizer (PYSSL_ASAN=1 PYSSL_UBSAN=1: -O0, asserts on)
# and run the 3.11 core-mode test_ssl and pyssl's own pytest suite under it.
#
#   ci/asan.sh [PYTHON]        (default: the 3.11 venv ci/build-all.sh made)
#
# The interpreter itself is not instrumented, so libasan is preloaded and
# PYTHONMALLOC=malloc routes Python's allocations through ASAN's malloc.
# Leak checking is off: CPython keeps much alive at exit by design.
# Exit status 1 if ASAN reported anything or a run failed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${1:-${PYSSL_CACHE:-$HOME/.cache/pyssl}/venv-3.11/bin/python}
OUT=${PYSSL_CACHE:-$HOME/.cache/pyssl}/asan
LOG=$OUT/logs
rm -rf "$OUT"
mkdir -p "$LOG"

PYSSL_ASAN=1 PYSSL_UBSAN=1 "$PY" ci/devbuild.py "$OUT" --python "$PY" || exit 1

LIBASAN=$(gcc -print-file-name=libasan.so)
export LD_PRELOAD=$LIBASAN PYTHONMALLOC=malloc
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=0:log_path=$LOG/asan"
# UBSan's runtime comes in as the extension's dependency; its reports are
# collected the same way (the interpreter itself is not instrumented).
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$LOG/ubsan"
export PYTHONPATH=$OUT

status=0
echo "== core-mode test_ssl under ASAN ($PY)"
"$PY" tests/conformance.py --python "$PY" --modes core --suite test.test_ssl || status=1
echo "== pytest under ASAN"
# test_conformance_runner.py checks the runner's crash reporting by
# segfaulting a fake suite on purpose; ASAN would report that as its own.
"$PY" -m pytest -q -p no:cacheprovider --ignore=tests/test_conformance_runner.py tests || status=1

unset LD_PRELOAD
reports=$(ls "$LOG"/asan.* "$LOG"/ubsan.* 2>/dev/null | wc -l)
if [ "$reports" -gt 0 ]; then
    echo "ASAN/UBSan: $reports report(s):"
    head -n 60 "$LOG"/asan.* "$LOG"/ubsan.* 2>/dev/null
    status=1
else
    echo "ASAN/UBSan: no reports"
fi
exit $status
