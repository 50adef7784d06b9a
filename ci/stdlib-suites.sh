#!/usr/bin/env bash
# CPython's own suites of the stdlib modules that use ssl (asyncio's ssl and
# sslproto, http.client, urllib with a local server, ftplib, imaplib,
# poplib), run with the stdlib's ssl and then with pyssl switched in as the
# whole ssl module, on 3.11 and 3.13; exit 1 on any regression that
# tests/deviations.txt does not list, or any hang or crash.
#
# pyssl's asyncio TLS protocol (pyssl.asyncio) is in asyncio's place there,
# as it is wherever pyssl is switched in on 3.11+.  Then asyncio's two TLS
# suites again with PYSSL_ASYNCIO=0, asyncio's own protocol over pyssl's
# SSLObject, so that path stays covered too.
#
#   ci/stdlib-suites.sh          (needs ci/build-all.sh 3.11 3.13 first)
set -u
cd "$(dirname "$0")/.."
CACHE=${PYSSL_CACHE:-$HOME/.cache/pyssl}
PYTHONS=(--python "$CACHE/venv-3.11/bin/python" --python "$CACHE/venv-3.13/bin/python")
ASYNCIO_SUITES=(--suite test.test_asyncio.test_ssl --suite test.test_asyncio.test_sslproto)
status=0
python3 tests/conformance.py "${PYTHONS[@]}" --modes stdlib,core,full \
    "${ASYNCIO_SUITES[@]}" \
    --suite test.test_httplib --suite test.test_urllib2_localnet \
    --suite test.test_ftplib --suite test.test_imaplib --suite test.test_poplib \
    --deviations tests/deviations.txt --gate || status=1
echo "== asyncio's TLS suites with PYSSL_ASYNCIO=0 (asyncio's own protocol)"
PYSSL_ASYNCIO=0 python3 tests/conformance.py "${PYTHONS[@]}" --modes stdlib,full \
    "${ASYNCIO_SUITES[@]}" --deviations tests/deviations.txt --gate || status=1
exit $status
