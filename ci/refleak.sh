#!/usr/bin/env bash
# Reference-leak check on a debug CPython 3.13 (--with-pydebug, built once by
# ci/build-cpython-3.13.sh debug and cached).
#
#   ci/refleak.sh [--quick]      --quick: only the classes without a server
#
# 1. CPython's own tool: `python -m test -R 3:3 test_ssl`, once on the
#    stdlib and once in core mode (pyssl._ssl as _ssl, set up by a
#    sitecustomize before regrtest imports ssl). A test that leaks in core
#    mode and not on the stdlib fails the check; one both leak is reported.
#    All of test_ssl takes about 3 minutes a mode on 2 cores; --quick runs
#    the classes that need no threaded server, in half a minute.
# 2. tests/refleak_loop.py: pyssl's main operations, and what it has beyond
#    CPython, in a sys.gettotalrefcount() loop.
# Exit 1 on a pyssl-only leak.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

prefix=$(bash ci/build-cpython-3.13.sh debug | tail -n 1) || exit 1
PY=$prefix/bin/python
OUT=$CACHE/refleak
LOG=$OUT/logs
rm -rf "$OUT"
mkdir -p "$LOG" "$OUT/core"
"$PY" ci/devbuild.py "$OUT/build" --python "$PY" >"$LOG/build.log" 2>&1 \
    || { tail -n 30 "$LOG/build.log"; exit 1; }
cat >"$OUT/core/sitecustomize.py" <<'EOF'
# Core mode for regrtest: pyssl's C core is _ssl before anything imports ssl.
import sys
import pyssl._ssl
sys.modules["_ssl"] = pyssl._ssl
EOF

match=()
if [ $quick -eq 1 ]; then
    for cls in BasicSocketTests ContextTests SSLErrorTests MemoryBIOTests \
               SSLObjectTests SimpleBackgroundTests TestEnumerations; do
        match+=(--match "$cls")
    done
fi

# Prints the names of the tests regrtest found leaking in log $1.
leakers() { grep -E '^test_ssl leaked|^[^ ]+ leaked \[' "$1" | sed 's/ leaked.*//' | sort -u; }

status=0
for mode in stdlib core; do
    pp=""
    [ $mode = core ] && pp=$OUT/core:$OUT/build
    start=$(date +%s)
    # (in $OUT: regrtest leaves its reflog.txt in the working directory)
    (cd "$OUT" && PYTHONPATH=$pp PYSSL_CORE_ONLY=1 "$PY" -m test -R 3:3 "${match[@]}" test_ssl \
        >"$LOG/regrtest-$mode.log" 2>&1)
    rc=$?
    echo "regrtest -R 3:3 test_ssl ($mode): exit $rc in $(( $(date +%s) - start )) s"
    grep -E 'leaked|Result:|tests? (OK|failed)' "$LOG/regrtest-$mode.log" | tail -n 5
done
if [ "$(grep -c 'leaked' "$LOG/regrtest-core.log")" -gt 0 ]; then
    only=$(comm -23 <(leakers "$LOG/regrtest-core.log") <(leakers "$LOG/regrtest-stdlib.log"))
    if [ -n "$only" ]; then
        echo "leaks in core mode that the stdlib does not have:"
        grep 'leaked' "$LOG/regrtest-core.log"
        status=1
    else
        echo "core mode leaks only what the stdlib leaks too"
    fi
fi
if ! grep -q 'Result: SUCCESS' "$LOG/regrtest-core.log" && \
   grep -q 'Result: SUCCESS' "$LOG/regrtest-stdlib.log"; then
    echo "core-mode regrtest failed where the stdlib's passed:"
    tail -n 30 "$LOG/regrtest-core.log"
    status=1
fi

echo "== refleak loop (tests/refleak_loop.py)"
PYTHONPATH=$OUT/build:$ROOT/src "$PY" tests/refleak_loop.py --ssl ssl --loops 200 | tail -n 1
PYTHONPATH=$OUT/build:$ROOT/src "$PY" tests/refleak_loop.py --loops 200 || status=1
exit $status
