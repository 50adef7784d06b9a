#!/usr/bin/env bash
# Fuzz pyssl under AddressSanitizer and UBSan: every tests/fuzz/fuzz_*.py
# target for FUZZ_SECONDS (default 60) each, one at a time.
#
#   ci/fuzz.sh [--hours N] [--mutate] [TARGET ...]     (TARGET: cadata, tls_app, ...)
#
# Coverage-guided where it can be: pyssl._ssl is built with clang and
# -fsanitize=fuzzer-no-link,address,undefined, and atheris (3.0.0, the
# Python 3.11 wheel) drives libFuzzer, which is preloaded together with
# clang's ASAN runtime (one library, built here, so that libFuzzer sees the
# extension's coverage counters). Without clang or atheris -- or with
# --mutate -- the targets run their own mutation loop instead, over a gcc
# ASAN+UBSan build. OpenSSL itself is not instrumented.
#
# Exit status 1 on any finding: a crash, a sanitizer report, an unexpected
# Python exception or a hang. Inputs that found something are kept in
# $PYSSL_CACHE/fuzz/artifacts/TARGET/; libFuzzer's corpus grows in
# $PYSSL_CACHE/fuzz/corpus/TARGET/ from one run to the next.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${FUZZ_SECONDS:-60}
MODE=${PYSSL_FUZZ_MODE:-atheris}
targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --hours) SECONDS_EACH=$(( $2 * 3600 )); shift ;;
        --mutate) MODE=mutate ;;
        *) targets+=("$1") ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=($(cd tests/fuzz && ls fuzz_*.py | sed 's/^fuzz_//; s/\.py$//'))

CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
OUT=$CACHE/fuzz
BASE=${FUZZ_PYTHON:-$CACHE/venv-3.11/bin/python}
[ -x "$BASE" ] || BASE=$(command -v python3.11 || command -v python3)
rm -rf "$OUT/build" "$OUT/artifacts"
mkdir -p "$OUT/build" "$OUT/artifacts" "$OUT/logs"

[ -x "$OUT/venv/bin/python" ] || "$BASE" -m venv "$OUT/venv" || exit 1
PY=$OUT/venv/bin/python

if [ "$MODE" != mutate ]; then
    if ! command -v clang >/dev/null && [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang) \
            >"$OUT/logs/apt.log" 2>&1
    fi
    "$PY" -c "import atheris" 2>/dev/null ||
        "$PY" -m pip install -q --only-binary=:all: atheris==3.0.0 >"$OUT/logs/pip.log" 2>&1
    if ! command -v clang >/dev/null || ! "$PY" -c "import atheris" 2>/dev/null; then
        echo "fuzz: clang or atheris is not available; falling back to the mutation loop"
        MODE=mutate
    fi
fi

# clang's ASAN runtime and libFuzzer as one preloadable library (the
# runtime's preinit object cannot go into a shared library), and the
# extension built to report its coverage to that libFuzzer.
build_for_atheris() {
    local a sfx=-x86_64         # newer clangs name them without the suffix
    a=$(clang -print-file-name=libclang_rt.asan$sfx.a)
    [ -f "$a" ] || { sfx=; a=$(clang -print-file-name=libclang_rt.asan.a); }
    local rt
    rt=$(dirname "$a")
    cp "$a" "$OUT/build/asan.a" &&
    ar d "$OUT/build/asan.a" asan_preinit.cpp.o &&
    clang++ -shared -o "$OUT/build/asan_with_fuzzer.so" -Wl,--whole-archive "$OUT/build/asan.a" \
        "$rt/libclang_rt.asan_cxx$sfx.a" "$rt/libclang_rt.fuzzer_no_main$sfx.a" \
        -Wl,--no-whole-archive -lpthread -ldl -lrt -lm &&
    PYSSL_CC=clang PYSSL_SANITIZE=fuzzer-no-link,address,undefined "$PY" ci/devbuild.py \
        "$OUT/build" --python "$PY"
}

if [ "$MODE" != mutate ]; then
    if build_for_atheris; then
        PRELOAD=$OUT/build/asan_with_fuzzer.so
    else
        echo "fuzz: the clang build for atheris failed; falling back to the mutation loop"
        MODE=mutate
    fi
fi
if [ "$MODE" = mutate ]; then
    PYSSL_CC=gcc PYSSL_SANITIZE=address,undefined "$PY" ci/devbuild.py "$OUT/build" \
        --python "$PY" || exit 1
    PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
fi

echo "fuzz: mode $MODE, ${SECONDS_EACH}s per target: ${targets[*]}"
status=0
for t in "${targets[@]}"; do
    art=$OUT/artifacts/$t
    log=$OUT/logs/$t.log
    mkdir -p "$art" "$OUT/corpus/$t"
    if [ "$MODE" = mutate ]; then
        args=(--seconds "$SECONDS_EACH")
    else
        args=("$OUT/corpus/$t" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH"
              -max_len=8192 -timeout=20 -rss_limit_mb=4096 -detect_leaks=0
              -print_final_stats=1 -artifact_prefix="$art/")
    fi
    # Every run is bounded: libFuzzer and the loop stop themselves, and
    # timeout(1) is the backstop should a run hang outside an input.
    LD_PRELOAD=$PRELOAD PYTHONMALLOC=malloc PYSSL_FUZZ_MODE=$MODE FUZZ_ARTIFACTS=$art \
    ASAN_OPTIONS="detect_leaks=0:quarantine_size_mb=64:abort_on_error=1" \
    UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1" \
    PYTHONPATH=$OUT/build:$ROOT/src timeout -k 10 $(( SECONDS_EACH + 120 )) \
        "$PY" "tests/fuzz/fuzz_$t.py" "${args[@]}" >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || grep -q "ERROR: AddressSanitizer\|runtime error:" "$log"; then
        echo "fuzz: $t: FINDING (exit $rc); log $log, inputs in $art"
        tail -n 60 "$log"
        status=1
    else
        # libFuzzer's last coverage line and final counts, or the loop's summary.
        grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|mutation loop" "$log" |
            sed "s/^/fuzz: $t: /"
    fi
done
exit $status
