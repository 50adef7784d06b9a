"""An interpreter with no _ssl gets pyssl's C core as its _ssl (DESIGN.md,
user 3, "Embed", from the installed wheel).

ci/make-no-ssl-python.sh builds a pyssl wheel from this checkout, copies a
pyenv CPython (the same X.Y as the one running the tests), deletes its
lib-dynload/_ssl*.so and installs the wheel there. The wheel's start-up hook
(pyssl-core.pth, src/_pyssl_startup.py) puts a finder at the end of
sys.meta_path that answers `import _ssl` with pyssl._ssl when the interpreter
has none, and the interpreter's own Lib/ssl.py runs on it.
"""

import glob
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import TIMEOUT, UNDER_STDLIB

pytestmark = pytest.mark.skipif(
    UNDER_STDLIB, reason="providing _ssl to an interpreter is pyssl's own feature"
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "ci", "make-no-ssl-python.sh")
MINOR = "%d.%d" % sys.version_info[:2]


@pytest.fixture(scope="module")
def nossl_python():
    if shutil.which("pyenv") is None:
        pytest.skip("no pyenv on this machine to copy an interpreter from")
    proc = subprocess.run(["bash", SCRIPT, MINOR], capture_output=True, text=True, timeout=900)
    if proc.returncode == 2:
        pytest.skip(proc.stderr.strip().splitlines()[-1])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    python = proc.stdout.strip().splitlines()[-1]
    assert os.path.isfile(python), python
    return python


def run(python, code, *args, flags=()):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYSSL_INJECT", "VIRTUAL_ENV")
    }
    return subprocess.run(
        [python] + list(flags) + ["-c", textwrap.dedent(code)] + list(args),
        capture_output=True,
        text=True,
        timeout=60 + TIMEOUT,
        env=env,
    )


def test_the_copy_really_has_no_ssl(nossl_python):
    prefix = os.path.dirname(os.path.dirname(nossl_python))
    assert not glob.glob(os.path.join(prefix, "lib", "python" + MINOR, "lib-dynload", "_ssl*"))
    # -S: without site-packages (and so without pyssl's .pth), no ssl at all.
    proc = run(nossl_python, "import ssl", flags=["-S"])
    assert proc.returncode != 0
    assert "No module named '_ssl'" in proc.stderr, proc.stderr[-2000:]


def test_import_ssl_runs_the_interpreters_ssl_py_on_pyssl(nossl_python):
    proc = run(
        nossl_python,
        """
        import sys, sysconfig, ssl, _ssl
        ctx = ssl.create_default_context()
        print(ssl._ssl.__name__, _ssl is ssl._ssl, "pyssl" in sys.modules,
              ssl.__file__ == sysconfig.get_paths()["stdlib"] + "/ssl.py",
              type(ctx).__module__, ctx.verify_mode.name, ctx.check_hostname)
    """,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # pyssl's core under the stdlib's own ssl.py; the pyssl package itself
    # is loaded (its core lives in it) but is not what `ssl` is.
    assert proc.stdout.split() == [
        "pyssl._ssl",
        "True",
        "True",
        "True",
        "ssl",
        "CERT_REQUIRED",
        "True",
    ]


def test_handshake_from_the_no_ssl_interpreter(nossl_python, certs, server, server_ctx):
    srv = server(server_ctx)
    proc = run(
        nossl_python,
        """
        import socket, ssl, sys
        ctx = ssl.create_default_context(cafile=sys.argv[1])
        with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"no-ssl-python")
                got = b""
                while len(got) < 13:
                    chunk = tls.recv(100)
                    if not chunk:
                        break
                    got += chunk
                print(got.decode(), tls.version(), type(tls._sslobj).__module__,
                      tls.getpeercert()["subjectAltName"][0][1])
    """,
        certs.cafile,
        str(srv.port),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    echoed, version, core, peer = proc.stdout.split()
    assert echoed == "no-ssl-python"
    assert version.startswith("TLSv1.")
    assert core == "pyssl._ssl"
    assert peer == "localhost"


def test_pyssl_is_imported_only_when_ssl_is(nossl_python):
    """The hook does nothing at start-up: pyssl is loaded by the first
    `import _ssl` (through ssl), not by every program."""
    proc = run(
        nossl_python,
        """
        import sys
        before = "pyssl" in sys.modules
        import ssl
        print(before, "pyssl" in sys.modules, sys.modules["_ssl"].__name__)
    """,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-3000:]
    assert proc.stdout.split() == ["False", "True", "pyssl._ssl"]


def test_isolated_mode_gets_ssl_too(nossl_python):
    """-I ignores the environment and the user site, not site-packages: the
    hook still runs."""
    proc = run(nossl_python, "import ssl, _ssl; print(_ssl.__name__)", flags=["-I"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["pyssl._ssl"]
