"""pyssl on a free-threaded interpreter (3.13t and later).

Such an interpreter turns the GIL back on, with a RuntimeWarning, when it
imports an extension that has not declared it can run without one. pyssl
declares it (Py_mod_gil in csrc/module.c) because its objects protect
their own state (csrc/compat.h, "Free-threading"); the stress tests
(test_threads.py, test_shared_context.py) are what hold it to that. These
tests only mean something on a free-threaded build: elsewhere there is no
GIL to keep off.
"""

import os
import subprocess
import sys
import sysconfig

import pytest

from conftest import MODULE_NAME

pytestmark = pytest.mark.skipif(
    not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="a GIL build has no GIL to keep off"
)

CHECK = """
import sys, warnings
warnings.simplefilter("error")
import {mod}
import {core}
print(sys._is_gil_enabled())
"""


def run(code):
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )


def test_import_leaves_the_gil_disabled():
    core = "pyssl._ssl" if MODULE_NAME == "pyssl" else "_ssl"
    proc = run(CHECK.format(mod=MODULE_NAME, core=core))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False"], proc.stdout + proc.stderr
    assert "GIL" not in proc.stderr


def test_threads_hand_shake_side_by_side_without_the_gil():
    """Many threads wrap and hand-shake over MemoryBIOs at once; the GIL
    stays off the whole time (nothing pyssl calls turns it back on)."""
    code = """
import sys, threading
import {mod} as ssl
sys.path.insert(0, {tests!r})
from conftest import Certs
import tempfile
certs = Certs(tempfile.mkdtemp())
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(certs.server_combined)
client = ssl.create_default_context(cafile=certs.cafile)
errors = []

def one():
    try:
        for _ in range(20):
            bios = [ssl.MemoryBIO() for _ in range(4)]
            c = client.wrap_bio(bios[0], bios[1], server_hostname="localhost")
            s = server.wrap_bio(bios[2], bios[3], server_side=True)
            for _ in range(10):
                for obj in (c, s):
                    try:
                        obj.do_handshake()
                    except ssl.SSLWantReadError:
                        pass
                bios[2].write(bios[1].read())
                bios[0].write(bios[3].read())
            c.write(b"ping")
            bios[2].write(bios[1].read())
            assert s.read(4) == b"ping"
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=one) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sys._is_gil_enabled(), errors)
""".format(mod=MODULE_NAME, tests=os.path.dirname(os.path.abspath(__file__)))
    proc = run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False []", proc.stdout + proc.stderr
