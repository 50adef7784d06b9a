#!/usr/bin/env bash
# Install the real TLS peers tests/test_interop.py talks to: openssl
# (s_server/s_client), gnutls-bin (gnutls-serv/gnutls-cli), curl and nginx;
# and strace, with which tests/test_memory_credentials.py watches the C
# library's file opens.
# Idempotent: installs only what is missing, and runs `apt-get update` only
# when something is. .ci/run calls it before the tests; the tests then run
# with PYSSL_REQUIRE_PEERS=1, so a peer still missing fails instead of skipping.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

have() { dpkg -s "$1" >/dev/null 2>&1; }

need=()
for pkg in openssl gnutls-bin curl strace; do
    have "$pkg" || need+=("$pkg")
done
# nginx-light is the small flavour (bookworm); newer suites only have nginx.
if ! command -v nginx >/dev/null 2>&1 && ! have nginx-light && ! have nginx; then
    need+=(nginx)
fi
if [ ${#need[@]} -eq 0 ]; then
    echo "install-peers: all peers present"
    exit 0
fi
apt-get update -qq
if [[ " ${need[*]} " == *" nginx "* ]] && apt-cache show nginx-light >/dev/null 2>&1; then
    need=("${need[@]/#nginx/nginx-light}")
fi
apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian's nginx package starts a system nginx on port 80 where an init
# system runs; the tests start their own, so stop that one if it is running.
if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/nginx ]; then
    service nginx stop >/dev/null 2>&1 || true
fi
echo "install-peers: installed ${need[*]}"
