#!/usr/bin/env bash
# pyssl's sdist builds on its own, without a warning, into wheels that leave
# the environment they are installed in as good as they found it.
#
#   ci/install-hygiene.sh [X.Y ...]          (default 3.8 3.11 3.13)
#
# 1. `python -m build --sdist` of this checkout (build from PyPI, in a tools
#    venv); the sdist must hold the LICENSE, every csrc/ header and the
#    test suite's conftest.py.
# 2. For each pyenv interpreter X.Y: `pip wheel` of the sdist alone (an
#    isolated build, setuptools from PyPI), then
#    tests/test_install_hygiene.py against that wheel (PYSSL_HYGIENE_WHEEL)
#    with pytest from a fresh venv of that interpreter.
# Neither build may print a warning (setuptools' or the compiler's); pip's
# own notices (WARNING: ...) are not the project's.
#
# One line per interpreter, the tail of the log on a failure; logs in
# $PYSSL_CACHE/logs/install-hygiene-*.log. Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
LOGS=$CACHE/logs
mkdir -p "$LOGS"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A build with bytecode writing off says so in warnings of its own.
unset PYTHONDONTWRITEBYTECODE

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(3.8 3.11 3.13)

pyenv_python() {
    local v
    v=$(pyenv versions --bare 2>/dev/null | grep -E "^${1//./\\.}\.[0-9]+$" | sort -V | tail -1)
    [ -n "$v" ] && echo "$(pyenv prefix "$v")/bin/python"
}

# Lines where setuptools, distutils or the compiler warn.
warnings_in() {
    grep -E "[Ww]arning[:!]|Deprecat|^ *!!" "$1" | grep -v "^ *WARNING: "
}

failed=0
fail() {
    echo "FAIL $1 (log: $2)"
    tail -n 30 "$2" | sed 's/^/    /'
    failed=1
}

# -- 1. the sdist -----------------------------------------------------------
log=$LOGS/install-hygiene-sdist.log
tools_py=$(pyenv_python 3.11 || true)
[ -n "$tools_py" ] || tools_py=$(command -v python3)
start=$(date +%s)
if "$tools_py" -m venv "$work/tools" >"$log" 2>&1 &&
   "$work/tools/bin/python" -m pip install -q build >>"$log" 2>&1 &&
   "$work/tools/bin/python" -m build --sdist -o "$work/dist" "$ROOT" >>"$log" 2>&1; then
    sdist=$(ls "$work"/dist/pyssl_core-*.tar.gz)
    missing=$("$work/tools/bin/python" - "$sdist" <<'EOF'
import sys, tarfile
names = {n.split("/", 1)[1] for n in tarfile.open(sys.argv[1]).getnames() if "/" in n}
want = ["LICENSE", "tests/conftest.py", "csrc/make_errcodes.py"]
want += ["csrc/%s" % h for h in ("compat.h", "errcodes.h", "pyssl.h")]
print(" ".join(w for w in want if w not in names))
EOF
)
    if [ -n "$missing" ]; then
        echo "the sdist lacks: $missing" >>"$log"
        fail "sdist: files missing: $missing" "$log"
    elif warnings_in "$log" >"$work/warnings"; then
        cat "$work/warnings" >>"$log"
        fail "sdist: the build warned" "$log"
    else
        echo "ok   sdist: $(basename "$sdist") ($(( $(date +%s) - start ))s)"
    fi
else
    fail "sdist: python -m build --sdist failed" "$log"
fi
[ $failed -eq 0 ] || exit 1

# -- 2. per interpreter: a wheel from the sdist, and the tests --------------
for minor in "${wanted[@]}"; do
    log=$LOGS/install-hygiene-$minor.log
    py=$(pyenv_python "$minor") || { echo "FAIL $minor: no pyenv interpreter $minor"; failed=1; continue; }
    start=$(date +%s)
    runner=$work/runner-$minor
    wheels=$work/wheels-$minor
    if ! { "$py" -m venv "$runner" && "$runner/bin/python" -m pip install -q -U pip pytest; } >"$log" 2>&1; then
        fail "$minor: could not make a venv with pytest" "$log"; continue
    fi
    if ! "$runner/bin/python" -m pip wheel -v --no-deps -w "$wheels" "$sdist" >>"$log" 2>&1; then
        fail "$minor: no wheel from the sdist" "$log"; continue
    fi
    if warnings_in "$log" >"$work/warnings"; then
        cat "$work/warnings" >>"$log"
        fail "$minor: building the wheel warned" "$log"; continue
    fi
    wheel=$(ls "$wheels"/pyssl_core-*.whl)
    if PYSSL_HYGIENE_WHEEL=$wheel "$runner/bin/python" -m pytest -q -p no:cacheprovider \
           tests/test_install_hygiene.py >>"$log" 2>&1; then
        echo "ok   $minor: $(basename "$wheel"), $(grep -E '^[0-9]+ passed' "$log" | tail -1) ($(( $(date +%s) - start ))s)"
    else
        fail "$minor: tests/test_install_hygiene.py failed" "$log"
    fi
done

# -- 3. the sdist alone passes its own test suite (3.11) ---------------------
# As a user who has only the sdist would: unpack it, install it with its
# test extra into a fresh venv, run its tests/ (not the checkout's).
log=$LOGS/install-hygiene-sdist-tests.log
py=$(pyenv_python 3.11 || true)
if [ -n "$py" ] && [ -n "${sdist:-}" ]; then
    start=$(date +%s)
    mkdir -p "$work/unpacked"
    tar -xzf "$sdist" -C "$work/unpacked"
    src=$(ls -d "$work"/unpacked/pyssl_core-*)
    if { "$py" -m venv "$work/sdist-venv" &&
         "$work/sdist-venv/bin/python" -m pip install -q "$src[test]"; } >"$log" 2>&1 &&
       (cd "$src" && "$work/sdist-venv/bin/python" -m pytest -q -p no:cacheprovider tests) >>"$log" 2>&1; then
        echo "ok   the unpacked sdist's own tests: $(grep -E '^[0-9]+ passed' "$log" | tail -1) ($(( $(date +%s) - start ))s)"
    else
        fail "the unpacked sdist's own tests failed" "$log"
    fi
fi
exit $failed
