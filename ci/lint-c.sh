#!/usr/bin/env bash
# Checks on csrc/ that need no compiler:
#  - no raw OpenSSL or CPython version comparison outside compat.h: every
#    version or feature check is a name compat.h defines (issue 13), so the
#    facts about versions live in one place.
# Exit 1 on a finding.
set -u
cd "$(dirname "$0")/.."
status=0
raw=$(grep -nE '(OPENSSL_VERSION_NUMBER|PY_VERSION_HEX|LIBRESSL_VERSION_NUMBER)[[:space:]]*(<|>|==|!=)' \
      csrc/*.c csrc/*.h | grep -v '^csrc/compat.h:' || true)
if [ -n "$raw" ]; then
    echo "lint-c: version comparisons outside csrc/compat.h (give them a name there):"
    echo "$raw"
    status=1
fi
[ $status -eq 0 ] && echo "lint-c: ok"
exit $status
