#!/usr/bin/env bash
# The code is formatted by its formatters, and lints clean:
#   C:      clang-format 14 (Debian bookworm's) with .clang-format, over
#           csrc/*.c and csrc/*.h except the generated errcodes.h
#   Python: ruff (the version pinned below) with ruff.toml: format, check
#
#   ci/format-check.sh          check (CI); exit 1 on a difference
#   ci/format-check.sh --fix    rewrite the files in place
# Formatters change their output between versions, so both are pinned.
set -u
cd "$(dirname "$0")/.."
RUFF_VERSION=0.17.6
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
fix=0
[ "${1:-}" = "--fix" ] && fix=1

if ! command -v clang-format >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-format >/dev/null || exit 1
fi
case $(clang-format --version) in
    *"version 14."*) ;;
    *) echo "format-check: clang-format 14 is the reference; found $(clang-format --version)"; exit 1 ;;
esac
ruff=$CACHE/ruff-$RUFF_VERSION/bin/ruff
if [ ! -x "$ruff" ]; then
    python3 -m venv "$CACHE/ruff-$RUFF_VERSION" &&
        "$CACHE/ruff-$RUFF_VERSION/bin/pip" install -q "ruff==$RUFF_VERSION" || exit 1
fi

cfiles=$(ls csrc/*.c csrc/*.h | grep -v '^csrc/errcodes\.h$')
pyfiles="src tests benchmarks ci csrc setup.py"
status=0
if [ $fix -eq 1 ]; then
    clang-format -i --style=file $cfiles
    "$ruff" format -q $pyfiles
    "$ruff" check -q --fix $pyfiles
    exit 0
fi
for f in $cfiles; do
    if ! clang-format --style=file "$f" | diff -u "$f" - >/dev/null; then
        echo "format-check: $f is not clang-formatted (ci/format-check.sh --fix)"
        status=1
    fi
done
"$ruff" format --check -q $pyfiles || status=1
"$ruff" check -q $pyfiles || status=1
[ $status -eq 0 ] && echo "format-check: ok (clang-format, ruff format, ruff check)"
exit $status
