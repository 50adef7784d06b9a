#!/usr/bin/env bash
# CPython's own suites of the stdlib modules that use ssl (asyncio's ssl and
# sslproto, http.client, urllib with a local server, ftplib, imaplib,
# poplib), run with the stdlib's ssl and then with pyssl switched in as the
# whole ssl module, on 3.11 and 3.13; exit 1 on any regression that
# tests/deviations.txt does not list, or any hang or crash.
#
#   ci/stdlib-suites.sh          (needs ci/build-all.sh 3.11 3.13 first)
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
exec python3 tests/conformance.py \
    --python "$CACHE/venv-3.11/bin/python" --python "$CACHE/venv-3.13/bin/python" \
    --modes stdlib,full \
    --suite test.test_asyncio.test_ssl --suite test.test_asyncio.test_sslproto \
    --suite test.test_httplib --suite test.test_urllib2_localnet \
    --suite test.test_ftplib --suite test.test_imaplib --suite test.test_poplib \
    --deviations tests/deviations.txt --gate
