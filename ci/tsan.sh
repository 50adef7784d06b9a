#!/usr/bin/env bash
# ThreadSanitizer run of pyssl's thread stress suite on the free-threaded
# CPython 3.13t built --with-thread-sanitizer.  Run by hand (not in CI: the
# interpreter takes ~10 minutes to build once, the run a few more).
#
#   ci/tsan.sh [SECONDS]     PYSSL_STRESS_SECONDS (default 9): per duplex
#                            case, and in all for test_shared_context.py
#
# Builds (cached) the tsan interpreter (ci/build-cpython-3.13.sh tsan) and
# a venv with pytest, builds pyssl with PYSSL_SANITIZE=thread, and runs
# tests/test_free_threading.py, test_threads.py, test_shared_context.py and
# the four-event-loops test of test_asyncio_protocol.py and
# test_stdlib_bios.py (the Shuttle's lock), with every child
# process under TSAN too.  Suppressed: CPython's own list
# for the free-threaded build (Tools/tsan/suppressions_free_threading.txt
# of the same source) and ci/tsan-suppressions.txt (races inside CPython or
# OpenSSL only, each with its reason).  Prints every report with a frame in
# pyssl's code (csrc/, pyssl._ssl) and counts the others.  Exit status 1
# if a report has a pyssl frame or a test failed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
SECONDS_PER_CASE=${1:-9}
OUT=$CACHE/tsan
LOG=$OUT/logs

prefix=$(bash ci/build-cpython-3.13.sh tsan | tail -n 1) || exit 1
venv=$CACHE/venv-3.13t-tsan
py=$venv/bin/python
if [ ! -x "$py" ] || [ "$prefix/.done" -nt "$venv/pyvenv.cfg" ]; then
    rm -rf "$venv"
    "$prefix/bin/python" -m venv "$venv" || exit 1
    "$py" -m pip install -q pytest || exit 1
fi

rm -rf "$OUT"
mkdir -p "$LOG"
PYSSL_SANITIZE=thread python3 ci/devbuild.py "$OUT" --python "$py" \
    --mine $(cd csrc && ls *.c) || exit 1

cat "$CACHE/src-cpython-3.13/tree/Tools/tsan/suppressions_free_threading.txt" \
    ci/tsan-suppressions.txt > "$OUT/suppressions.txt"
export TSAN_OPTIONS="suppressions=$OUT/suppressions.txt halt_on_error=0 log_path=$LOG/tsan second_deadlock_stack=1"
export PYTHONPATH=$OUT:$ROOT/src
export PYSSL_STRESS_SECONDS=$SECONDS_PER_CASE
# 3.13t has no trustme (no cryptography): tests/trustme_proxy.py.
if [ -z "${PYSSL_TRUSTME_PYTHON:-}" ]; then
    for cand in "$CACHE/venv-3.13/bin/python" "$CACHE"/venv-3.1[0-2]/bin/python; do
        if [ -x "$cand" ] && "$cand" -c 'import trustme' 2>/dev/null; then
            export PYSSL_TRUSTME_PYTHON=$cand
            break
        fi
    done
fi

status=0
echo "== thread stress suite under ThreadSanitizer ($py)"
(cd tests && env -u PYTHON_GIL "$py" -m pytest -q -p no:cacheprovider \
    test_free_threading.py test_threads.py test_shared_context.py \
    test_asyncio_protocol.py::test_event_loops_in_several_threads \
    test_stdlib_bios.py) || status=1

# A report is "ours" if any frame is in pyssl's C code.
ours=0
others=0
for f in "$LOG"/tsan.*; do
    [ -f "$f" ] || continue
    # One file per process; reports are separated by "=================="
    n=$(awk '/^WARNING: ThreadSanitizer/ {r++} END {print r+0}' "$f")
    m=$(awk '/^WARNING: ThreadSanitizer/ {inrep=1; mine=0}
             inrep && /(csrc\/|pyssl\/_ssl|_ssl\.cpython)/ {mine=1}
             /^SUMMARY: ThreadSanitizer/ {if (mine) r++; inrep=0}
             END {print r+0}' "$f")
    ours=$((ours + m))
    others=$((others + n - m))
    if [ "$m" -gt 0 ]; then
        awk '/^WARNING: ThreadSanitizer/ {buf=""; inrep=1; mine=0}
             inrep {buf = buf $0 "\n"}
             inrep && /(csrc\/|pyssl\/_ssl|_ssl\.cpython)/ {mine=1}
             /^SUMMARY: ThreadSanitizer/ {if (mine) printf "%s\n", buf; inrep=0}' "$f" | head -n 120
    fi
done
echo "ThreadSanitizer: $ours report(s) with a pyssl frame, $others in CPython/OpenSSL only (logs: $LOG)"
if [ "$others" -gt 0 ]; then
    echo "-- the others, by their SUMMARY line:"
    cat "$LOG"/tsan.* | grep '^SUMMARY: ThreadSanitizer' | sort | uniq -c | sort -rn | head -n 20
fi
[ "$ours" -gt 0 ] && status=1
exit $status
