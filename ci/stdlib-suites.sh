#!/usr/bin/env bash
# CPython's own suites of the stdlib modules that use ssl (asyncio's ssl and
# sslproto, http.client, urllib with a local server, ftplib, imaplib,
# poplib), run with the stdlib's ssl and then with pyssl switched in as the
# whole ssl module, on 3.11 and 3.13; exit 1 on any regression that
# tests/deviations.txt does not list, or any hang or crash.
#
# Then asyncio's two TLS suites again with PYSSL_ASYNCIO=1, pyssl's opt-in
# asyncio TLS protocol (pyssl.asyncio) in asyncio's place, in core and full
# mode against the stdlib run: so a regression of the opt-in protocol fails
# CI too.
#
#   ci/stdlib-suites.sh          (needs ci/build-all.sh 3.11 3.13 first)
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
PYTHONS=(--python "$CACHE/venv-3.11/bin/python" --python "$CACHE/venv-3.13/bin/python")
ASYNCIO_SUITES=(--suite test.test_asyncio.test_ssl --suite test.test_asyncio.test_sslproto)
status=0
python3 tests/conformance.py "${PYTHONS[@]}" --modes stdlib,full \
    "${ASYNCIO_SUITES[@]}" \
    --suite test.test_httplib --suite test.test_urllib2_localnet \
    --suite test.test_ftplib --suite test.test_imaplib --suite test.test_poplib \
    --deviations tests/deviations.txt --gate || status=1
echo "== asyncio's TLS suites with PYSSL_ASYNCIO=1 (pyssl.asyncio)"
PYSSL_ASYNCIO=1 python3 tests/conformance.py "${PYTHONS[@]}" --modes stdlib,core,full \
    "${ASYNCIO_SUITES[@]}" --deviations tests/deviations.txt --gate || status=1
exit $status
