#!/usr/bin/env bash
# For each interpreter 3.8-3.13 pyenv has: `pip wheel .` (isolated build),
# install the wheel into a brand-new venv, and import pyssl._ssl and pyssl
# there from outside the source tree. One line per interpreter.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for minor in 3.8 3.9 3.10 3.11 3.12 3.13; do
    v=$(pyenv versions --bare 2>/dev/null | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -1)
    [ -z "$v" ] && continue
    py=$(pyenv prefix "$v")/bin/python
    log=$work/$minor.log
    wheels=$work/wheels-$minor
    if ! "$py" -m pip wheel -q --no-deps -w "$wheels" "$ROOT" >"$log" 2>&1; then
        echo "FAIL $v: pip wheel failed"; tail -n 20 "$log" | sed 's/^/    /'; failed=1; continue
    fi
    "$py" -m venv "$work/venv-$minor" >>"$log" 2>&1
    vpy=$work/venv-$minor/bin/python
    if "$vpy" -m pip install -q "$wheels"/*.whl >>"$log" 2>&1 &&
       out=$(cd / && "$vpy" -c 'import pyssl._ssl as c, pyssl; print(pyssl.__name__, c.OPENSSL_VERSION)' 2>>"$log"); then
        echo "ok   $v: $(basename "$wheels"/*.whl) installs and imports ($out)"
    else
        echo "FAIL $v: the wheel did not install or import"; tail -n 20 "$log" | sed 's/^/    /'; failed=1
    fi
done
exit $failed
