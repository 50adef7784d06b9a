#!/usr/bin/env bash
# CPython's test_ssl (stdlib, core and full mode) on the newest interpreters,
# 3.13, 3.14 and 3.15, which exist here only as Debian sid packages: runs
# inside the root ci/sid-root.sh made (run that first). On 3.15, also the
# stdlib's other ssl-using suites that ci/stdlib-suites.sh runs on 3.11 and
# 3.13 (asyncio's ssl and sslproto, http.client, urllib, ftplib, imaplib,
# poplib), stdlib vs full mode.
#
#   ci/sid-conformance.sh [--gate]
#
# For each interpreter in the root: copy this checkout in, build pyssl with
# -Wall -Wextra -Werror into a venv there, and run tests/conformance.py
# against that interpreter's own test package. The exit status is 1 if the
# root is missing or pyssl does not build; regressions only fail it with
# --gate (passed through to tests/conformance.py).
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
ROOT=$CACHE/sid-root
gate=
[ "${1:-}" = "--gate" ] && gate=--gate
sidrun() { bash ci/sid-root.sh run "$@"; }

[ -f "$ROOT/.pyssl-complete" ] || { echo "sid-conformance: no sid root; run ci/sid-root.sh" >&2; exit 2; }

# The checkout, without build output, at /pyssl in the root.
rm -rf "$ROOT/pyssl"
mkdir -p "$ROOT/pyssl"
tar -c --exclude=./.git --exclude=./build --exclude='*.egg-info' --exclude='*.so' . | tar -x -C "$ROOT/pyssl"
# pip in the root trusts what the host's pip trusts (a proxy's CA, say).
cp -L "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$ROOT/etc/pyssl-host-ca.crt"

# Keep in step with ci/stdlib-suites.sh. One line: it goes into an sh -c.
OTHER_SUITES=
for s in test_asyncio.test_ssl test_asyncio.test_sslproto test_httplib test_urllib2_localnet \
         test_ftplib test_imaplib test_poplib; do
    OTHER_SUITES="$OTHER_SUITES --suite test.$s"
done

status=0
for minor in 3.13 3.14 3.15; do
    [ -x "$ROOT/usr/bin/python$minor" ] || { echo "== Python $minor: not in the sid root, skipped"; continue; }
    venv=/venv-$minor
    log=$CACHE/logs/sid-$minor-build.log
    out=$CACHE/logs/sid-$minor.conformance
    if ! sidrun sh -euc "
            export PIP_CERT=/etc/pyssl-host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1
            [ -x $venv/bin/python ] || python$minor -m venv $venv
            $venv/bin/python -m pip install -q -U setuptools wheel
            cd /pyssl && rm -rf build
            PYSSL_WERROR=1 $venv/bin/python -m pip install -v --no-build-isolation --no-deps --force-reinstall .
        " >"$log" 2>&1; then
        echo "FAIL Python $minor (sid): build with -Werror (log: $log)"; tail -n 30 "$log"; status=1; continue
    fi
    echo "== Python $minor (sid): $(sidrun $venv/bin/python -c \
        'import sys, pyssl; print(sys.version.split()[0], "pyssl on", pyssl.OPENSSL_VERSION)')"
    sidrun sh -c "cd /pyssl && $venv/bin/python tests/conformance.py --python $venv/bin/python \
        --modes stdlib,core,full --suite test.test_ssl --deviations tests/deviations.txt \
        --deviations tests/deviations-debian.txt $gate" >"$out" 2>&1 || status=1
    sed -n '/REGRESSIONS (/,/^$/p' "$out" | head -n 80
    grep "^SUMMARY" "$out" | sed 's/^/   /'
    [ "$minor" = 3.15 ] || continue
    out=$CACHE/logs/sid-$minor-stdlib-suites.conformance
    echo "== Python $minor (sid): the other stdlib ssl suites, stdlib vs full"
    sidrun sh -c "cd /pyssl && $venv/bin/python tests/conformance.py --python $venv/bin/python \
        --modes stdlib,full $OTHER_SUITES --deviations tests/deviations.txt \
        --deviations tests/deviations-debian.txt $gate" >"$out" 2>&1 || status=1
    sed -n '/REGRESSIONS (/,/^$/p;/HANG\|CRASH\|SETUP-ERROR/p' "$out" | head -n 80
    grep "^SUMMARY" "$out" | sed 's/^/   /'
done
exit $status
