#!/usr/bin/env bash
# Build a wheel of this checkout on every interpreter that can be had here,
# install it into a brand-new venv, and import pyssl._ssl and pyssl there
# from outside the source tree. One line per interpreter:
#   - each 3.8-3.13 pyenv has: `pip wheel .` (isolated build);
#   - the free-threaded 3.13t, if ci/build-cpython-3.13.sh ft has built it
#     ($PYSSL_CACHE/cpython-3.13-ft/.done; this script never builds it). That
#     interpreter has no pip (Debian's ensurepip refuses to run), so a
#     pyenv interpreter's pip drives it with `pip --python`;
#   - Debian sid's 3.13, 3.14 and 3.15, inside the root ci/sid-root.sh made,
#     if it exists.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
# On a free-threaded build the line also says whether importing pyssl
# turned the GIL back on.
IMPORT='import sys, sysconfig, pyssl._ssl as c, pyssl
ft = sysconfig.get_config_var("Py_GIL_DISABLED")
print(pyssl.__name__, c.OPENSSL_VERSION + (", GIL %s" % ("enabled" if sys._is_gil_enabled() else "disabled") if ft else ""))'

newest() {
    pyenv versions --bare 2>/dev/null | grep -E "^${1//./\\.}\.[0-9]+$" | sort -V | tail -1
}
fail() {
    echo "FAIL $1: $2"; tail -n 20 "$3" | sed 's/^/    /'; failed=1
}

for minor in 3.8 3.9 3.10 3.11 3.12 3.13; do
    v=$(newest "$minor")
    [ -z "$v" ] && continue
    py=$(pyenv prefix "$v")/bin/python
    log=$work/$minor.log
    wheels=$work/wheels-$minor
    if ! "$py" -m pip wheel -q --no-deps -w "$wheels" "$ROOT" >"$log" 2>&1; then
        fail "$v" "pip wheel failed" "$log"; continue
    fi
    "$py" -m venv "$work/venv-$minor" >>"$log" 2>&1
    vpy=$work/venv-$minor/bin/python
    if "$vpy" -m pip install -q "$wheels"/*.whl >>"$log" 2>&1 &&
       out=$(cd / && "$vpy" -c "$IMPORT" 2>>"$log"); then
        echo "ok   $v: $(basename "$wheels"/*.whl) installs and imports ($out)"
    else
        fail "$v" "the wheel did not install or import" "$log"
    fi
done

# 3.13t: a pip of the newest pyenv interpreter (pip >= 22.3 has --python)
# builds and installs with the free-threaded interpreter.
ft=$CACHE/cpython-3.13-ft
host=$(newest 3.13)
if [ -f "$ft/.done" ] && [ -n "$host" ]; then
    pip=("$(pyenv prefix "$host")/bin/python" -m pip)
    log=$work/3.13t.log
    wheels=$work/wheels-3.13t
    v=$("$ft/bin/python" -c 'import sys; print("%d.%d.%dt" % sys.version_info[:3])')
    if ! "${pip[@]}" --python "$ft/bin/python" wheel -q --no-deps -w "$wheels" "$ROOT" >"$log" 2>&1; then
        fail "$v" "pip wheel failed" "$log"
    elif ! { "$ft/bin/python" -m venv --without-pip "$work/venv-3.13t" &&
             "${pip[@]}" --python "$work/venv-3.13t/bin/python" install -q "$wheels"/*.whl; } >>"$log" 2>&1 ||
         ! out=$(cd / && "$work/venv-3.13t/bin/python" -c "$IMPORT" 2>>"$log"); then
        fail "$v" "the wheel did not install or import" "$log"
    else
        echo "ok   $v: $(basename "$wheels"/*.whl) installs and imports ($out)"
    fi
fi

# Debian sid's interpreters, in their root: the checkout is copied in, and
# pip (from a venv: sid's pythons have none of their own) reaches PyPI
# through the host's CA bundle, as in ci/sid-conformance.sh.
sid=$CACHE/sid-root
if [ -f "$sid/.pyssl-complete" ]; then
    rm -rf "$sid/pyssl-wheel-check"
    mkdir -p "$sid/pyssl-wheel-check/src"
    tar -c --exclude=./.git --exclude=./build --exclude='*.egg-info' --exclude='*.so' . |
        tar -x -C "$sid/pyssl-wheel-check/src"
    cp -L "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$sid/etc/pyssl-host-ca.crt"
    for minor in 3.13 3.14 3.15; do
        [ -x "$sid/usr/bin/python$minor" ] || continue
        log=$work/sid-$minor.log
        w=/pyssl-wheel-check/$minor
        if ! bash ci/sid-root.sh run sh -euc "
                export PIP_CERT=/etc/pyssl-host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1
                python$minor -m venv $w/build
                $w/build/bin/python -m pip wheel -q --no-deps -w $w/wheels /pyssl-wheel-check/src
                python$minor -m venv $w/venv
                $w/venv/bin/python -m pip install -q $w/wheels/*.whl
                cd / && $w/venv/bin/python -c '$IMPORT' >$w/import.out
            " >"$log" 2>&1; then
            fail "$minor (sid)" "the wheel did not build, install or import" "$log"; continue
        fi
        v=$(bash ci/sid-root.sh run "python$minor" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
        echo "ok   $v (sid): $(basename "$sid/$w"/wheels/*.whl) installs and imports ($(cat "$sid/$w/import.out"))"
    done
    rm -rf "$sid/pyssl-wheel-check"
fi
exit $failed
