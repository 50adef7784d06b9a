"""10,000 TLS connections over asyncio's default loop (tests/asyncio_soak.py)
leave no file descriptor, no SSLProtocol or transport and no memory behind.

With pyssl injected, on 3.11+ these go through pyssl's asyncio protocol
(the soak checks that it is the one in use). A leak of 1 KB per connection
grows RSS by about 9 MB past the warm-up, over the soak's 4 MB bound; a
leaked transport or descriptor fails it whatever its size. The soak runs in
a child process of this interpreter, with this environment, so the RSS is
its own; it takes about 12 s. Under ASAN (whose quarantine keeps freed
memory, so RSS says nothing) it runs 500 connections and checks only the
descriptors and objects.
"""

import os
import subprocess
import sys

import pytest

from conftest import MODULE_NAME

SOAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "asyncio_soak.py")
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")
CONNECTIONS = 500 if UNDER_ASAN else 10000
LIMIT = 600  # seconds: the bound on the child, far above its usual time


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_ten_thousand_asyncio_connections_leave_nothing_behind():
    pytest.importorskip("trustme")
    args = [sys.executable, SOAK, "-n", str(CONNECTIONS), "--module", MODULE_NAME]
    if UNDER_ASAN:
        args += ["--max-growth-mb", "inf"]
    proc = subprocess.run(
        args, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=LIMIT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "%d connections" % CONNECTIONS in proc.stdout, proc.stdout
