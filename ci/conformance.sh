#!/usr/bin/env bash
# Run CPython's test.test_ssl against pyssl on every interpreter 3.8-3.13 that
# pyenv has, using the venvs ci/build-all.sh made (pyssl already installed).
#
#   ci/conformance.sh [runner args...]
#
# Defaults: --modes stdlib,core --suite test.test_ssl --deviations
# tests/deviations.txt. Arguments are passed to tests/conformance.py after the
# defaults, so --gate, --modes stdlib,core,full, --suite ..., --timeout ...
# all work (a --modes or --suite given here replaces that default).
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}

pythons=()
for minor in 3.8 3.9 3.10 3.11 3.12 3.13; do
    v=$(pyenv versions --bare 2>/dev/null | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -1)
    [ -z "$v" ] && continue
    py=$CACHE/venv-$minor/bin/python
    if [ ! -x "$py" ]; then
        echo "conformance.sh: no venv for $minor at $py; run ci/build-all.sh first" >&2
        exit 2
    fi
    pythons+=(--python "$py")
done
[ ${#pythons[@]} -eq 0 ] && { echo "conformance.sh: no pyenv interpreter 3.8-3.13 found" >&2; exit 2; }

# Run the runner with the newest interpreter available (the parent needs none
# of pyssl; each worker runs under its own interpreter).
parent=${PYTHON:-python3}
has_suite=0
has_modes=0
for a in "$@"; do
    case $a in
        --suite|--suite=*) has_suite=1 ;;
        --modes|--modes=*) has_modes=1 ;;
    esac
done
defaults=(--deviations tests/deviations.txt)
[ $has_modes -eq 0 ] && defaults+=(--modes stdlib,core)
[ $has_suite -eq 0 ] && defaults+=(--suite test.test_ssl)
exec "$parent" tests/conformance.py "${pythons[@]}" "${defaults[@]}" "$@"
