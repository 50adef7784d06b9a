#!/usr/bin/env bash
# C line coverage of csrc/ reached by pyssl's pytest suite plus core-mode
# test_ssl (CPython's own tests driving pyssl's C core), with gcov.
#
#   ci/coverage.sh [PYTHON] [--min PERCENT]   (default: the 3.11 venv)
#
# Prints each file's figure, the total, and the longest runs of lines never
# executed (where to look first). Annotated sources are left in
# $PYSSL_CACHE/coverage/gcov/*.c.gcov. With --min the exit status is 1 when
# the total is below PERCENT.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
PY=$CACHE/venv-3.11/bin/python
min=""
while [ $# -gt 0 ]; do
    case $1 in
        --min) min=$2; shift ;;
        *) PY=$1 ;;
    esac
    shift
done
OUT=$CACHE/coverage
rm -rf "$OUT"
mkdir -p "$OUT/gcov"
PYSSL_COVERAGE=1 "$PY" ci/devbuild.py "$OUT/build" --python "$PY" \
    >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log"; exit 1; }
export PYTHONPATH=$OUT/build

echo "== pytest"
"$PY" -m pytest -q -p no:cacheprovider tests 2>&1 | tail -n 3
echo "== core-mode test_ssl"
"$PY" tests/conformance.py --python "$PY" --modes core --suite test.test_ssl 2>&1 | tail -n 3

# devbuild compiles X.c to X.o.new and renames it, so gcc named the notes
# and counts X.o.gcno and X.o.gcda; gcov looks for X.gcno and X.gcda.
for f in "$OUT"/build/obj/*.o.gc*; do
    ln -sf "$f" "${f/.o.gc/.gc}"
done
cd "$OUT/gcov"
gcov -o "$OUT/build/obj" "$ROOT"/csrc/*.c >"$OUT/gcov.log" 2>&1
"$PY" - "$OUT/gcov" "${min:-0}" <<'EOF'
import glob, os, sys
gdir, minimum = sys.argv[1], float(sys.argv[2])
total_run = total_lines = 0
gaps = []
for path in sorted(glob.glob(os.path.join(gdir, "*.c.gcov"))):
    name = os.path.basename(path)[:-5]
    run = lines = 0
    start = func = None
    cur_func = "?"
    for raw in open(path, errors="replace"):
        count, _, rest = raw.partition(":")
        lineno, _, text = rest.partition(":")
        count, lineno = count.strip(), int(lineno.strip() or 0)
        if lineno and not text.startswith((" ", "\t", "}", "#", "/", "*")) and "(" in text:
            cur_func = text.split("(")[0].split()[-1] if text.split("(")[0].split() else "?"
        if count == "-":
            continue
        lines += 1
        if count.startswith("#####") or count.startswith("====="):
            if start is None:
                start, func, gap = lineno, cur_func, 0
            gap += 1
        else:
            run += 1
            if start is not None:
                gaps.append((gap, name, start, lineno - 1, func))
                start = None
    print("%-16s %5.1f%%  (%d of %d lines)" % (name, 100.0 * run / max(lines, 1), run, lines))
    total_run += run
    total_lines += lines
pct = 100.0 * total_run / max(total_lines, 1)
print("%-16s %5.1f%%  (%d of %d lines)" % ("TOTAL", pct, total_run, total_lines))
print("\nlongest runs of lines never executed:")
for gap, name, a, b, func in sorted(gaps, reverse=True)[:25]:
    print("  %3d lines  %s:%d-%d  (in %s)" % (gap, name, a, b, func))
if pct < minimum:
    print("coverage %.1f%% is below the minimum %.1f%%" % (pct, minimum))
    sys.exit(1)
EOF
