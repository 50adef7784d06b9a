"""A short soak (tests/soak.py, 2000 iterations) keeps resident memory flat.

Each iteration makes contexts, does a good and a failed handshake over
loopback sockets and echoes a few KB; a leak of 4 KB per iteration grows
RSS by about 7 MB past warm-up, over soak.py's 5 MB bound. The soak runs
in a child process of this interpreter, with this environment, so the RSS
is its own; it normally takes about 15 s.
"""

import os
import subprocess
import sys

import pytest

from conftest import MODULE_NAME

SOAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak.py")
ITERATIONS = 2000
LIMIT = 240  # seconds: the bound on the child, far above its usual time


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.skipif(
    "asan" in os.environ.get("LD_PRELOAD", ""),
    reason="ASAN's quarantine holds freed memory: RSS says nothing there",
)
def test_rss_stays_flat_over_many_connections():
    pytest.importorskip("trustme")
    proc = subprocess.run(
        [sys.executable, SOAK, "-n", str(ITERATIONS), "--every", "100", "--module", MODULE_NAME],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=LIMIT,
    )
    samples = [line for line in proc.stdout.splitlines() if line.startswith("iteration")]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(samples) == ITERATIONS // 100, proc.stdout
