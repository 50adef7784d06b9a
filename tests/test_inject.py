"""Switching a whole program to pyssl: pyssl.inject_into_stdlib(),
extract_from_stdlib(), ``python -m pyssl.run`` and PYSSL_INJECT=1.

What a user relies on: after the switch, the HTTP clients they already use
(urllib, http.client, asyncio streams, urllib3, requests, httpx, aiohttp)
make their TLS connections through pyssl without code changes, including
modules imported before the switch; and extract gives the stdlib back.

The library scenarios each run in a child interpreter, so that what they
import and switch never leaks into this pytest process. Each child serves
HTTPS on 127.0.0.1 with a trustme certificate from a server made *before*
the switch (the stdlib's ssl), imports the library before the switch, then
injects and fetches with the library's defaults (the CA reaches them through
SSL_CERT_FILE / REQUESTS_CA_BUNDLE, as a user would set it), and reports the
type of the TLS object the library's connection used.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import TIMEOUT, UNDER_STDLIB

pytestmark = pytest.mark.skipif(
    UNDER_STDLIB, reason="injecting pyssl into the stdlib is pyssl's own feature"
)

CHILD_TIMEOUT = 60 + TIMEOUT

# Run in each child: a stdlib-ssl HTTPS server in a thread, made before the
# switch; pyssl.inject_into_stdlib(); then SCENARIO, which sets `tls` (the
# TLS object the client used) and `body`.
CHILD_TEMPLATE = r'''
import json, sys, threading, http.server
import ssl as stdlib_ssl
# inject rebinds module globals bound to the stdlib ssl (stdlib_ssl too):
# keep it where the walk does not look.
STD = {{"ssl": stdlib_ssl}}
{imports}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"hello from " + self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

server_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain({certfile!r}, {keyfile!r})
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
httpd.timeout = {timeout!r}
threading.Thread(target=httpd.serve_forever, kwargs={{"poll_interval": 0.1}},
                 daemon=True).start()
PORT = httpd.server_address[1]
URL = "https://localhost:%d/path" % PORT

import pyssl
assert sys.modules["ssl"] is stdlib_ssl and stdlib_ssl is not pyssl
pyssl.inject_into_stdlib()
import ssl
assert ssl is pyssl, ssl

tls = body = None
{scenario}
httpd.shutdown()
print(json.dumps({{
    "tls_module": type(tls).__module__,
    "tls_type": type(tls).__name__,
    "is_stdlib": isinstance(tls, (STD["ssl"].SSLSocket, STD["ssl"].SSLObject,
                                  STD["ssl"]._ssl._SSLSocket)),
    "body": body.decode() if isinstance(body, bytes) else body,
    "extra": extra if "extra" in globals() else None,
}}))
'''

AIOHTTP_HELPER = """
def ssl_object(resp):
    # A short body is read with the headers and the connection goes back to
    # the pool at once (resp.connection is then None); its protocol stays.
    conn = resp.connection
    transport = conn.transport if conn is not None else resp._protocol.transport
    return transport.get_extra_info("ssl_object")
"""

SCENARIOS = {
    "urllib.request": (
        "import urllib.request",
        """
resp = urllib.request.urlopen(URL, timeout=TIMEOUT)
tls = resp.fp.raw._sock
body = resp.read()
""",
    ),
    "http.client": (
        "import http.client",
        """
conn = http.client.HTTPSConnection("localhost", PORT, timeout=TIMEOUT)
conn.request("GET", "/path")
resp = conn.getresponse()
tls = conn.sock
body = resp.read()
conn.close()
""",
    ),
    "asyncio": (
        "import asyncio, asyncio.sslproto",
        """
# Client and server both through asyncio after the switch: the server's
# context is pyssl's, made after inject (asyncio checks isinstance against
# the ssl module it now sees).
async def main():
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(CERTFILE, KEYFILE)
    seen = {}
    async def handle(reader, writer):
        seen["server"] = writer.get_extra_info("ssl_object")
        line = await reader.readline()
        writer.write(b"echo " + line)
        await writer.drain()
        writer.close()
    srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=sctx)
    port = srv.sockets[0].getsockname()[1]
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        "127.0.0.1", port, ssl=ssl.create_default_context(),
        server_hostname="localhost"), TIMEOUT)
    writer.write(b"ping\\n")
    data = await asyncio.wait_for(reader.read(), TIMEOUT)
    client = writer.get_extra_info("ssl_object")
    writer.close()
    srv.close()
    await srv.wait_closed()
    return client, seen["server"], data
tls, server_obj, body = asyncio.run(main())
extra = type(server_obj).__module__
""",
    ),
    "urllib3": (
        "import urllib3",
        """
http = urllib3.PoolManager(timeout=TIMEOUT, retries=False)
resp = http.request("GET", URL, preload_content=False)
tls = resp.connection.sock
body = resp.read()
""",
    ),
    "requests": (
        "import requests",
        """
with requests.Session() as s:
    resp = s.get(URL, stream=True, timeout=TIMEOUT)
    tls = resp.raw.connection.sock
    body = resp.content
""",
    ),
    "httpx": (
        "import httpx",
        """
with httpx.Client(timeout=TIMEOUT) as client:
    with client.stream("GET", URL) as resp:
        tls = resp.extensions["network_stream"].get_extra_info("ssl_object")
        body = resp.read()
""",
    ),
    "httpx-async": (
        "import httpx, asyncio",
        """
async def main():
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        async with client.stream("GET", URL) as resp:
            obj = resp.extensions["network_stream"].get_extra_info("ssl_object")
            return obj, await resp.aread()
tls, body = asyncio.run(main())
""",
    ),
    "aiohttp": (
        "import aiohttp, asyncio",
        AIOHTTP_HELPER
        + """
# ssl left at its default: the library's own default context, which it
# built from the stdlib at import and inject rebuilt on pyssl.
async def main():
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(URL) as resp:
            return ssl_object(resp), await resp.read()
tls, body = asyncio.run(main())
""",
    ),
    "aiohttp-own-context": (
        "import aiohttp, asyncio",
        AIOHTTP_HELPER
        + """
# A pyssl context passed explicitly: aiohttp's isinstance check
# (SSL_ALLOWED_TYPES, a tuple built at its import) must accept it.
async def main():
    ctx = ssl.create_default_context(cafile=CAFILE)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(URL, ssl=ctx) as resp:
            return ssl_object(resp), await resp.read()
tls, body = asyncio.run(main())
""",
    ),
}

THIRD_PARTY = {
    "urllib3": "urllib3",
    "requests": "requests",
    "httpx": "httpx",
    "httpx-async": "httpx",
    "aiohttp": "aiohttp",
    "aiohttp-own-context": "aiohttp",
}


def run_child(code, env_extra=None, args=(), timeout=CHILD_TIMEOUT):
    env = dict(os.environ)
    env.pop("PYSSL_INJECT", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable] + list(args) + (["-c", code] if code else []),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def ca_env(certs):
    return {
        "SSL_CERT_FILE": certs.cafile,
        "REQUESTS_CA_BUNDLE": certs.cafile,
        "SSL_CERT_DIR": os.path.dirname(certs.cafile),
    }


@pytest.mark.parametrize("client", sorted(SCENARIOS))
def test_client_goes_through_pyssl_after_inject(client, certs):
    imports, scenario = SCENARIOS[client]
    if client in THIRD_PARTY:
        # Installed by the `test` extra; a missing one is a broken test setup.
        __import__(THIRD_PARTY[client])
    prelude = "TIMEOUT = %r\nCAFILE = %r\nCERTFILE = %r\nKEYFILE = %r\n" % (
        TIMEOUT,
        certs.cafile,
        certs.server_certfile,
        certs.server_keyfile,
    )
    code = prelude + CHILD_TEMPLATE.format(
        imports=imports,
        certfile=certs.server_certfile,
        keyfile=certs.server_keyfile,
        timeout=TIMEOUT,
        scenario=scenario,
    )
    proc = run_child(code, ca_env(certs))
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["tls_module"].split(".")[0] == "pyssl", got
    assert not got["is_stdlib"], got
    if client == "asyncio":
        assert got["body"] == "echo ping\n"
        assert got["extra"].split(".")[0] == "pyssl", "asyncio server side: %r" % got
    else:
        assert got["body"] == "hello from /path"


def test_modules_imported_before_inject_are_switched():
    code = textwrap.dedent(r'''
        import sys, json
        import ssl as stdlib_ssl
        STD = {"ssl": stdlib_ssl}
        import asyncio, asyncio.sslproto, asyncio.selector_events, asyncio.base_events
        import http.client, urllib.request, ftplib, imaplib, poplib, smtplib
        import xmlrpc.client, logging.handlers
        from ssl import SSLContext as StdContext, CERT_REQUIRED as std_required
        import pyssl
        pyssl.inject_into_stdlib()
        names = ["asyncio.sslproto", "asyncio.selector_events", "asyncio.base_events",
                 "http.client", "urllib.request", "ftplib", "imaplib", "poplib",
                 "smtplib"]
        out = {n: sys.modules[n].ssl is pyssl for n in names}
        main = sys.modules["__main__"]
        out["from-import class"] = main.StdContext is pyssl.SSLContext
        out["from-import enum member"] = main.std_required is pyssl.CERT_REQUIRED
        if hasattr(ftplib.FTP_TLS, "ssl_version"):     # a class attribute
            out["ftplib.FTP_TLS.ssl_version"] = \
                ftplib.FTP_TLS.ssl_version is pyssl.PROTOCOL_TLS_CLIENT
        out["sys.modules"] = sys.modules["ssl"] is pyssl and \
            sys.modules["_ssl"] is pyssl._ssl
        again = getattr(asyncio.sslproto, "SSLAgainErrors", None)
        if again is not None:
            out["asyncio.sslproto.SSLAgainErrors"] = \
                again == (pyssl.SSLWantReadError, pyssl.SSLSyscallError)
        # The stdlib module itself is left working, for extract.
        out["stdlib intact"] = STD["ssl"].SSLContext is not pyssl.SSLContext
        out["stdlib_ssl global switched"] = stdlib_ssl is pyssl
        print(json.dumps(out))
    ''')
    proc = run_child(code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got and all(got.values()), {k: v for k, v in got.items() if not v}


def test_round_trip_restores_exactly():
    """inject then extract leaves every binding as it was (in this process)."""
    import asyncio.sslproto
    import http.client
    import ssl as before_ssl
    import pyssl

    if before_ssl is pyssl:
        pytest.fail("ssl is already pyssl in the test process")
    before_core = sys.modules["_ssl"]
    snapshot = {mod: dict(vars(mod)) for mod in (http.client, asyncio.sslproto)}
    pyssl.inject_into_stdlib()
    try:
        assert sys.modules["ssl"] is pyssl and sys.modules["_ssl"] is pyssl._ssl
        assert http.client.ssl is pyssl and asyncio.sslproto.ssl is pyssl
        assert pyssl._inject.is_injected()
        changes = len(pyssl._inject._state.changes)
        pyssl.inject_into_stdlib()  # idempotent: nothing more done
        assert len(pyssl._inject._state.changes) == changes
        assert http.client.ssl is pyssl
    finally:
        pyssl.extract_from_stdlib()
    assert sys.modules["ssl"] is before_ssl and sys.modules["_ssl"] is before_core
    for mod, old in snapshot.items():
        now = vars(mod)
        changed = [k for k in old if now.get(k) is not old[k]]
        assert not changed, (mod.__name__, changed)
    assert not pyssl._inject.is_injected()
    pyssl.extract_from_stdlib()  # idempotent too
    assert sys.modules["ssl"] is before_ssl


def test_extract_when_ssl_was_never_imported():
    code = textwrap.dedent(r'''
        import sys
        assert "ssl" not in sys.modules, "ssl imported at start-up"
        import pyssl
        pyssl.inject_into_stdlib()
        import ssl
        assert ssl is pyssl
        pyssl.extract_from_stdlib()
        assert "ssl" not in sys.modules and "_ssl" not in sys.modules
        import ssl
        assert ssl is not pyssl and ssl.__name__ == "ssl"
        assert ssl.SSLContext is not pyssl.SSLContext
        print("ok")
    ''')
    proc = run_child(code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


def test_extract_keeps_a_binding_changed_since(monkeypatch):
    import http.client
    import pyssl

    pyssl.inject_into_stdlib()
    marker = object()
    try:
        http.client.ssl = marker  # someone rebinds it after inject
    finally:
        pyssl.extract_from_stdlib()
        current = http.client.ssl
        import ssl as stdlib_ssl

        http.client.ssl = stdlib_ssl
    assert current is marker


def write_script(tmp_path, body):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_run_module_runs_a_script_on_pyssl(tmp_path, certs, server, server_ctx):
    srv = server(server_ctx)
    script = write_script(
        tmp_path,
        r'''
        import socket, ssl, sys
        import pyssl
        assert ssl is pyssl and __name__ == "__main__"
        ctx = ssl.create_default_context(cafile=sys.argv[1])
        with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"over pyssl")
                got = tls.recv(100)
        print(type(tls).__module__, got.decode().replace(" ", "_"), sys.argv[3], sys.path[0])
        sys.exit(7)
    ''',
    )
    proc = run_child(
        None, args=["-m", "pyssl.run", script, certs.cafile, str(srv.port), "third-arg"]
    )
    assert proc.returncode == 7, proc.stderr[-3000:]
    module, echoed, arg, path0 = proc.stdout.split()
    assert module == "pyssl"
    assert echoed == "over_pyssl" and arg == "third-arg"
    assert path0 == str(tmp_path)


def test_run_module_usage_errors(tmp_path):
    proc = run_child(None, args=["-m", "pyssl.run"])
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = run_child(None, args=["-m", "pyssl.run", str(tmp_path / "missing.py")])
    assert proc.returncode == 2 and "missing.py" in proc.stderr


def make_venv_with_pth(tmp_path, line):
    """A fresh venv (no pip) whose site-packages sees this pyssl (and the
    start-up hook module next to it) and holds pyssl-core.pth with *line*."""
    import pyssl

    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        timeout=CHILD_TIMEOUT,
    )
    python = str(venv / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=CHILD_TIMEOUT,
    ).stdout.strip()
    # pyssl reachable through a path .pth ("00-" sorts before "pyssl-core").
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(pyssl.__file__)))
    with open(os.path.join(site, "00-pyssl-path.pth"), "w") as f:
        f.write(pkg_parent + "\n")
    with open(os.path.join(site, "pyssl-core.pth"), "w") as f:
        f.write(line + "\n")
    return python


CHECK_SSL = (
    "import sys, ssl; print(ssl.__name__, type(ssl.create_default_context())"
    ".__module__, sys.modules['_ssl'].__name__, 'pyssl' in sys.modules)"
)


def test_pyssl_inject_env_at_startup(tmp_path):
    import _pyssl_startup

    python = make_venv_with_pth(tmp_path, _pyssl_startup.PTH_LINE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYSSL_INJECT")}

    def check(extra, *flags):
        proc = subprocess.run(
            [python] + list(flags) + ["-c", CHECK_SSL],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            env=dict(env, **extra),
        )
        assert proc.returncode == 0 and not proc.stderr, proc.stderr[-3000:]
        return proc.stdout.split()

    assert check({"PYSSL_INJECT": "1"}) == ["pyssl", "pyssl", "pyssl._ssl", "True"]
    # Without the variable the stdlib stays, and pyssl is not even imported.
    assert check({}) == ["ssl", "ssl", "_ssl", "False"]
    assert check({"PYSSL_INJECT": "0"}) == ["ssl", "ssl", "_ssl", "False"]
    # -E and -I ignore the environment, PYSSL_INJECT too.
    assert check({"PYSSL_INJECT": "1"}, "-E") == ["ssl", "ssl", "_ssl", "False"]
