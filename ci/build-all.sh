#!/usr/bin/env bash
# Build and install pyssl into one venv per pyenv interpreter (3.8-3.13).
#
#   ci/build-all.sh [VERSION-PREFIX...]      e.g. ci/build-all.sh 3.8 3.13
#
# Each venv lives in ${PYSSL_CACHE:-$HOME/.cache/pyssl}/venv-<X.Y> and gets
# setuptools, wheel and the test extra (ci/test-deps.py), then pyssl from this checkout built
# with PYSSL_WERROR=1 (-Wall -Wextra -Werror). One line per interpreter;
# the tail of the build log when a build fails. Exit status 1 if any failed.
# ci/conformance.sh and the pytest runs use these venvs' pythons.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
mkdir -p "$CACHE/logs"

# One build-all at a time per cache: two pips upgrading the same venv, or two
# setuptools builds sharing build/, break each other.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/build-all.lock"
    if ! flock -w 1800 9; then
        echo "build-all.sh: another build-all.sh still holds $CACHE/build-all.lock" >&2
        exit 1
    fi
fi

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(3.8 3.9 3.10 3.11 3.12 3.13)

# newest installed pyenv version for each X.Y wanted
interpreters() {
    local minor v
    for minor in "${wanted[@]}"; do
        v=$(pyenv versions --bare 2>/dev/null | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -1)
        [ -n "$v" ] && echo "$minor $v"
    done
}

failed=0
found=0
while read -r minor version; do
    found=1
    base=$(pyenv prefix "$version")/bin/python
    venv=$CACHE/venv-$minor
    log=$CACHE/logs/build-$minor.log
    : > "$log"
    start=$(date +%s)
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null \
       || [ "$("$venv/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" != "$version" ]; then
        rm -rf "$venv"
        "$base" -m venv "$venv" >>"$log" 2>&1
    fi
    # A venv whose pip went missing (an interrupted upgrade) gets it back.
    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        "$venv/bin/python" -m ensurepip --upgrade >>"$log" 2>&1
    fi
    if ! "$venv/bin/python" -m pip install -q --upgrade pip setuptools wheel $("$base" ci/test-deps.py) >>"$log" 2>&1; then
        echo "FAIL $version: pip could not install the build/test tools into $venv (log: $log)"
        tail -n 20 "$log" | sed 's/^/    /'
        failed=1
        continue
    fi
    # pip builds in the tree: drop objects another interpreter or flag set
    # left, so every file really compiles under -Werror here.
    rm -rf "$ROOT/build"
    if PYSSL_WERROR=1 "$venv/bin/python" -m pip install --no-build-isolation --force-reinstall --no-deps -v "$ROOT" >>"$log" 2>&1 \
       && (cd / && "$venv/bin/python" -c 'import pyssl._ssl' >>"$log" 2>&1); then
        echo "ok   $version: pyssl built (-Werror) and installed in $venv ($(( $(date +%s) - start ))s)"
    else
        echo "FAIL $version: pyssl did not build, install or import (log: $log); last lines:"
        tail -n 40 "$log" | sed 's/^/    /'
        failed=1
    fi
done < <(interpreters)

[ $found -eq 0 ] && { echo "no pyenv interpreter matched: ${wanted[*]}"; exit 1; }
exit $failed
