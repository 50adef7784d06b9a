"""The wheel that bundles its own OpenSSL 3.5 (ci/build-wheel.sh).

What a user of that wheel relies on: on an interpreter built against an
older OpenSSL (3.8 with the system's 3.0, say), pyssl negotiates OpenSSL 3.5's
post-quantum hybrid group with a real OpenSSL 3.5 peer, and the stdlib's own
ssl keeps working beside it in the same process, on its own OpenSSL.

These tests need an installed bundled wheel, so they run only when

    PYSSL_BUNDLED_WHEEL_PYTHON   the python of a venv the wheel is installed
                                 in (ci/build-wheel.sh makes
                                 ~/.cache/pyssl/bundled-venv-X.Y and prints
                                 the exact setting)

is set; CI sets it after running ci/build-wheel.sh. Without it they are
skipped with that reason. Optional:

    PYSSL_OPENSSL35_BIN          the OpenSSL 3.5 `openssl` binary for the
                                 s_server peer (default
                                 ~/.cache/pyssl/openssl-3.5/bin/openssl, what
                                 ci/build-openssl.sh 3.5 builds)

Each check runs in a subprocess of that python, from outside the source
tree so src/pyssl cannot shadow the installed wheel.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import HOST, TIMEOUT

BUNDLED_PYTHON = os.environ.get("PYSSL_BUNDLED_WHEEL_PYTHON")
OPENSSL35 = os.environ.get(
    "PYSSL_OPENSSL35_BIN", os.path.expanduser("~/.cache/pyssl/openssl-3.5/bin/openssl")
)

pytestmark = pytest.mark.skipif(
    not BUNDLED_PYTHON,
    reason="PYSSL_BUNDLED_WHEEL_PYTHON is not set: it names the python of a venv "
    "holding the wheel ci/build-wheel.sh builds (CI sets it after that script)",
)


def run_bundled(code, *args):
    """Run *code* with the bundled wheel's python; return its JSON answer."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the installed wheel, not a dev build
    env.pop("PYSSL_TEST_MODULE", None)
    proc = subprocess.run(
        [BUNDLED_PYTHON, "-c", code] + list(args),
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
    )
    assert proc.returncode == 0, "bundled python failed:\n%s%s" % (proc.stdout, proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def s_server(certs, tmp_path):
    """openssl s_server (OpenSSL 3.5) on 127.0.0.1, offering only X25519MLKEM768."""
    if not os.path.exists(OPENSSL35):
        pytest.fail(
            "PYSSL_BUNDLED_WHEEL_PYTHON is set but there is no OpenSSL 3.5 "
            "binary at %s (set PYSSL_OPENSSL35_BIN, or run ci/build-openssl.sh 3.5)" % OPENSSL35
        )
    log = tmp_path / "s_server.out"
    with open(str(log), "w") as out:
        proc = subprocess.Popen(
            [
                OPENSSL35,
                "s_server",
                "-accept",
                "%s:0" % HOST,
                "-cert",
                certs.server_certfile,
                "-key",
                certs.server_keyfile,
                "-groups",
                "X25519MLKEM768",
                "-tls1_3",
                "-www",
                "-naccept",
                "1",
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        port = None
        while port is None and time.monotonic() < deadline:
            m = re.search(r"ACCEPT %s:(\d+)" % re.escape(HOST), log.read_text())
            if m:
                port = int(m.group(1))
            elif proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        assert port, "s_server did not start:\n%s" % log.read_text()
        yield port
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


CONNECT = r"""
import json, socket, sys
import pyssl
port, cafile = int(sys.argv[1]), sys.argv[2]
ctx = pyssl.create_default_context(cafile=cafile)
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
    answer = {"version": tls.version(), "group": tls.group(),
              "openssl": pyssl.OPENSSL_VERSION, "file": pyssl._ssl.__file__}
    tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
    page = b""
    while True:
        chunk = tls.recv(65536)
        if not chunk:
            break
        page += chunk
answer["page"] = page.decode("latin-1")
print(json.dumps(answer))
"""


def test_bundled_pyssl_negotiates_x25519mlkem768_with_openssl35(s_server, certs):
    got = run_bundled(CONNECT, str(s_server), certs.cafile)
    assert got["openssl"].startswith("OpenSSL 3.5"), got["openssl"]
    assert "site-packages" in got["file"], "not the installed wheel: %s" % got["file"]
    assert got["version"] == "TLSv1.3"
    assert got["group"] == "X25519MLKEM768"
    # s_server -www answers with its own view of the connection.
    assert got["page"].startswith("HTTP/1.0 200 ok"), got["page"][:200]


BOTH = r"""
import json, socket, ssl, sys, threading
import pyssl
cafile, certfile, keyfile = sys.argv[1:4]

def serve(module, server_ctx, srv, seen):
    try:
        conn, _ = srv.accept()
        conn.settimeout(10)
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            seen["server_version"] = tls.version()
            tls.sendall(tls.recv(1024).upper())
    except Exception as exc:
        seen["server_error"] = "%s: %s" % (type(exc).__name__, exc)

def round_trip(server_mod, client_mod):
    server_ctx = server_mod.SSLContext(server_mod.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certfile, keyfile)
    client_ctx = client_mod.create_default_context(cafile=cafile)
    seen = {}
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    t = threading.Thread(target=serve, args=(server_mod, server_ctx, srv, seen))
    t.start()
    try:
        raw = socket.create_connection(srv.getsockname(), timeout=10)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"ping")
            seen["echo"] = tls.recv(1024).decode()
            seen["client_version"] = tls.version()
    finally:
        t.join(10)
        srv.close()
    return seen

result = {
    "stdlib_openssl": ssl.OPENSSL_VERSION,
    "pyssl_openssl": pyssl.OPENSSL_VERSION,
    "pyssl_client_stdlib_server": round_trip(ssl, pyssl),
    "stdlib_client_pyssl_server": round_trip(pyssl, ssl),
}
with open("/proc/self/maps") as maps:
    result["libssl"] = sorted({line.split()[-1] for line in maps
                               if "libssl" in line.rsplit("/", 1)[-1]})
print(json.dumps(result))
"""


def test_stdlib_ssl_and_bundled_pyssl_share_a_process(certs):
    got = run_bundled(BOTH, certs.cafile, certs.server_certfile, certs.server_keyfile)
    assert got["pyssl_openssl"].startswith("OpenSSL 3.5"), got["pyssl_openssl"]
    assert got["stdlib_openssl"] != got["pyssl_openssl"], (
        "the interpreter's own ssl is on the same OpenSSL; this test needs one "
        "built against another (%s)" % got["stdlib_openssl"]
    )
    for direction in ("pyssl_client_stdlib_server", "stdlib_client_pyssl_server"):
        seen = got[direction]
        assert "server_error" not in seen, (direction, seen)
        assert seen["echo"] == "PING", (direction, seen)
        assert seen["client_version"] == seen["server_version"] == "TLSv1.3", (direction, seen)
    if sys.platform.startswith("linux"):
        # Two different libssl files are mapped: the system's for the stdlib's
        # _ssl, the wheel's renamed copy for pyssl.
        assert len(got["libssl"]) == 2, got["libssl"]
        assert any("pyssl_core.libs" in path for path in got["libssl"]), got["libssl"]
