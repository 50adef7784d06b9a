#!/usr/bin/env bash
# Start, in the background, the slow builds that later CI stages need.
#
#   ci/prefetch.sh          (from .ci/run, before stage 1)
#   ci/prefetch.sh --stop   stop a prefetch still running (.ci/run's exit)
#
# On a new machine the three CPython 3.13 builds (free-threaded for stage
# 3d, pyssl-embedded for 3c, debug for 5c) cost about 20 minutes of two
# cores, while stages 1-3b, which wait on sockets and timeouts as much as
# they compute, leave the machine partly idle. So they start here: the
# source (and any apt-get, which must not run twice at once) in the
# foreground, the compiles in the background at nice 19, so that the
# tests keep the CPU whenever they want it. Each build runs under its
# script's lock; a stage that needs one waits for it there and then takes
# the cached result. A failed prefetch only costs time: the stage's own
# call builds again and reports. On a machine where everything is cached
# this does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
pidfile=$CACHE/prefetch.pid

if [ "${1:-}" = --stop ]; then
    # The background job is a session of its own: kill all of it.
    if [ -f "$pidfile" ]; then
        kill -- "-$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    fi
    exit 0
fi

pending=()
[ -f "$CACHE/cpython-3.13-ft/.done" ] || pending+=(ft)
[ -f "$CACHE/build-cpython-3.13-pyssl/.configured" ] || pending+=(embedded)
[ -f "$CACHE/cpython-3.13-debug/.done" ] || pending+=(debug)
if [ ${#pending[@]} -eq 0 ]; then
    echo "prefetch: nothing to build (all cached)"
    exit 0
fi
mkdir -p "$CACHE/logs"
bash ci/build-cpython-3.13.sh source >"$CACHE/logs/prefetch-source.log" 2>&1 ||
    { echo "prefetch: the 3.13 source did not fetch; the stages will try again"; exit 0; }

# In stage order: 3c (embedded) and 3d (ft) come before 5c (debug).
order=()
for v in embedded ft debug; do
    case " ${pending[*]} " in *" $v "*) order+=("$v") ;; esac
done
PYSSL_PREFETCH_LOGS=$CACHE/logs setsid bash -c '
    for v in "$@"; do
        if [ "$v" = embedded ]; then
            cmd=(bash ci/build-embedded-cpython.sh 3.13)
        else
            cmd=(bash ci/build-cpython-3.13.sh "$v")
        fi
        start=$(date +%s)
        if nice -n 19 "${cmd[@]}" >"$PYSSL_PREFETCH_LOGS/prefetch-$v.log" 2>&1; then
            echo "prefetch: $v built in $(( $(date +%s) - start ))s" >>"$PYSSL_PREFETCH_LOGS/prefetch.log"
        else
            echo "prefetch: $v failed after $(( $(date +%s) - start ))s" >>"$PYSSL_PREFETCH_LOGS/prefetch.log"
        fi
    done
' prefetch "${order[@]}" </dev/null >/dev/null 2>&1 &
echo $! >"$pidfile"
echo "prefetch: building ${order[*]} in the background (nice 19; $CACHE/logs/prefetch*.log)"
