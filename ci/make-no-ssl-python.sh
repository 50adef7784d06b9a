#!/usr/bin/env bash
# Make a CPython without _ssl, then give it pyssl's C core as its _ssl.
#
#   ci/make-no-ssl-python.sh [X.Y]          (default 3.11)
#
# 1. Builds a pyssl wheel from this checkout for the newest pyenv
#    interpreter X.Y.*: with ci/build-all.sh's $CACHE/venv-X.Y when there is
#    one (under build-all.sh's lock), else with that interpreter's own pip
#    (an isolated build: setuptools comes from PyPI or pip's cache).
# 2. Copies the interpreter to
#    ${PYSSL_CACHE:-$HOME/.cache/pyssl}/python-X.Y-nossl (cached; the copy's
#    own site-packages is left empty: third-party packages are not part of
#    the experiment, nor is CPython's test suite) and deletes
#    lib/pythonX.Y/lib-dynload/_ssl.*.so. Nothing else is changed: the
#    interpreter's own Lib/ssl.py stays.
# 3. Checks that `import ssl` now fails there (the copy really has no _ssl).
# 4. Installs the wheel into the copy's site-packages with pip. Its
#    pyssl-core.pth start-up hook (src/_pyssl_startup.py) answers the
#    interpreter's `import _ssl` with pyssl's core, so `import ssl` works
#    again, on pyssl's core.
#
# Prints the copy's python on the last line of stdout. Exit status 2 when
# there is no pyenv interpreter X.Y to copy, 1 on any other failure.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
MINOR=${1:-3.11}
mkdir -p "$CACHE"

version=$(pyenv versions --bare 2>/dev/null | grep -E "^${MINOR//./\\.}\.[0-9]+$" | sort -V | tail -1)
[ -n "$version" ] || { echo "make-no-ssl-python: no pyenv interpreter $MINOR.*" >&2; exit 2; }
prefix=$(pyenv prefix "$version")
copy=$CACHE/python-$MINOR-nossl
py=$copy/bin/python$MINOR
site=$copy/lib/python$MINOR/site-packages

# The wheel first: a build that fails should not wait for the copy.
venv=$CACHE/venv-$MINOR
builder=$prefix/bin/python
isolation=
if [ -x "$venv/bin/python" ]; then
    builder=$venv/bin/python
    isolation=--no-build-isolation
fi
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
(
    # pip builds in the tree's build/: not while build-all.sh uses it.
    if command -v flock >/dev/null 2>&1; then
        flock -w 1800 9 || { echo "make-no-ssl-python: build-all.lock busy" >&2; exit 1; }
    fi
    rm -rf "$ROOT/build"
    "$builder" -m pip wheel -q --no-deps $isolation -w "$wheels" "$ROOT" >&2
) 9>"$CACHE/build-all.lock"

if [ ! -x "$py" ] || [ "$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" != "$version" ]; then
    rm -rf "$copy" "$copy.tmp"
    mkdir -p "$copy.tmp"
    # Everything but the third-party packages in site-packages and the
    # test suite (120 MB).
    (cd "$prefix" && tar -cf - --exclude="./lib/python$MINOR/site-packages/*" \
                               --exclude="./lib/python$MINOR/test" .) \
        | (cd "$copy.tmp" && tar -xf -)
    mkdir -p "$copy.tmp/lib/python$MINOR/site-packages"
    rm -f "$copy.tmp"/lib/python"$MINOR"/lib-dynload/_ssl.*.so
    mv "$copy.tmp" "$copy"
fi

if ls "$copy"/lib/python"$MINOR"/lib-dynload/_ssl.*.so >/dev/null 2>&1; then
    echo "make-no-ssl-python: $copy still has an _ssl extension" >&2
    exit 1
fi
# The proof that the copy has no _ssl of its own, before pyssl goes in.
if "$py" -S -c 'import ssl' 2>/dev/null; then
    echo "make-no-ssl-python: import ssl works in $copy without pyssl" >&2
    exit 1
fi

"$builder" -m pip install -q --no-deps --no-index --upgrade \
    --target "$site" "$wheels"/pyssl_core-*.whl >&2
if [ ! -e "$site/pyssl-core.pth" ] || [ ! -e "$site/_pyssl_startup.py" ]; then
    echo "make-no-ssl-python: the wheel brought no start-up hook (pyssl-core.pth)" >&2
    exit 1
fi

"$py" -c 'import ssl, _ssl; assert _ssl.__name__ == "pyssl._ssl", _ssl; ssl.create_default_context()' \
    || { echo "make-no-ssl-python: import ssl does not run on pyssl in $copy" >&2; exit 1; }
echo "$py"
