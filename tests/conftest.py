"""Shared fixtures for pyssl's own tests.

The module under test is ``pyssl`` unless PYSSL_TEST_MODULE names another:
``PYSSL_TEST_MODULE=ssl python -m pytest tests`` runs the very same tests
against the interpreter's stdlib ssl, which checks that every test describes
what the stdlib really does.

Test modules get the module with ``from conftest import ssl`` (it is imported
lazily, so tests that do not need it, like test_conformance_runner.py, run even
when pyssl is not built).

Certificates come from trustme; every server listens on 127.0.0.1 only and
every wait is bounded by TIMEOUT.
"""

import importlib
import os
import socket
import sys
import threading

import pytest

MODULE_NAME = os.environ.get("PYSSL_TEST_MODULE", "pyssl")
UNDER_STDLIB = MODULE_NAME == "ssl"
TIMEOUT = 10.0  # seconds; the bound on every wait in these tests
HOST = "127.0.0.1"


class _LazyModule(object):
    """Stands for the module under test, imported on first attribute access."""

    def __getattr__(self, name):
        mod = importlib.import_module(MODULE_NAME)
        return getattr(mod, name)

    def __repr__(self):
        return "<module under test: %s>" % MODULE_NAME


ssl = _LazyModule()


def module():
    return importlib.import_module(MODULE_NAME)


def is_bad_record(exc):
    """Whether exc is OpenSSL's error for a record whose tag fails: 3.2+
    puts its record layer's own reason on top of the queue."""
    return exc.library == "SSL" and (
        "BAD_RECORD_MAC" in exc.reason or exc.reason == "RECORD_LAYER_FAILURE"
    )


def require_api(obj, name, since):
    """Return obj.<name>: the API pyssl must have on every interpreter.

    Against the stdlib of an interpreter older than *since* (a (major, minor)
    tuple) that lacks it, the test is skipped; against pyssl a missing API
    fails the test, never skips it.
    """
    if UNDER_STDLIB and sys.version_info[:2] < since and not hasattr(obj, name):
        pytest.skip(
            "stdlib ssl of Python %d.%d has no %s (added in %d.%d)"
            % (sys.version_info[:2] + (name,) + since)
        )
    return getattr(obj, name)


def pytest_report_header(config):
    try:
        mod = importlib.import_module(MODULE_NAME)
    except ImportError as exc:
        # The tests that need it fail on their own; the runner tests still run.
        return "module under test: %s is NOT importable: %s" % (MODULE_NAME, exc)
    return "module under test: %s (%s), %s" % (
        MODULE_NAME,
        getattr(mod, "__file__", "?"),
        getattr(mod, "OPENSSL_VERSION", "?"),
    )


# --------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------


class Certs(object):
    """PEM files for a CA, a server cert and a client cert, all from trustme."""

    def __init__(self, directory):
        import trustme_proxy

        trustme = trustme_proxy.load()
        self.dir = directory
        self.ca = trustme.CA()
        self.other_ca = trustme.CA()
        self.server = self.ca.issue_cert("localhost", "127.0.0.1")
        self.other_server = self.ca.issue_cert("other.example")
        self.client = self.ca.issue_cert("client.example")
        self.untrusted_server = self.other_ca.issue_cert("localhost")
        self.cafile = self._write("ca.pem", self.ca.cert_pem.bytes())
        self.other_cafile = self._write("other-ca.pem", self.other_ca.cert_pem.bytes())
        self.server_certfile = self._write("server.crt", self._chain(self.server))
        self.server_keyfile = self._write("server.key", self.server.private_key_pem.bytes())
        self.server_combined = self._write(
            "server.pem", self.server.private_key_and_cert_chain_pem.bytes()
        )
        self.other_server_combined = self._write(
            "other.pem", self.other_server.private_key_and_cert_chain_pem.bytes()
        )
        self.client_combined = self._write(
            "client.pem", self.client.private_key_and_cert_chain_pem.bytes()
        )
        self.untrusted_combined = self._write(
            "untrusted.pem", self.untrusted_server.private_key_and_cert_chain_pem.bytes()
        )
        self.client_keyfile = self._write("client.key", self.client.private_key_pem.bytes())
        self.server_cert_pem = self.server.cert_chain_pems[0].bytes().decode("ascii")
        self.ca_pem = self.ca.cert_pem.bytes().decode("ascii")

    @staticmethod
    def _chain(leaf):
        return b"".join(blob.bytes() for blob in leaf.cert_chain_pems)

    def _write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def encrypted_key(self, password, name="encrypted.key"):
        """The server key, PEM, encrypted with *password* (bytes)."""
        import trustme_proxy

        pem = trustme_proxy.encrypt_key(self.server.private_key_pem.bytes(), password)
        return self._write(name, pem)

    def write(self, name, data):
        return self._write(name, data)


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp("certs")))


@pytest.fixture
def server_ctx(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_certfile, certs.server_keyfile)
    return ctx


@pytest.fixture
def client_ctx(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=certs.cafile)
    return ctx


# --------------------------------------------------------------------------
# In-memory pairs: SSLObject over MemoryBIO, one thread
# --------------------------------------------------------------------------


class BioPair(object):
    """A client and a server SSLObject wired together through MemoryBIOs."""

    def __init__(self, client_ctx, server_ctx, server_hostname="localhost", session=None):
        self.c_in, self.c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.s_in, self.s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        kwargs = {"server_hostname": server_hostname}
        if session is not None:
            kwargs["session"] = session
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out, **kwargs)
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out, server_side=True)

    def pump(self):
        """Move pending bytes both ways; return how many moved."""
        moved = 0
        data = self.c_out.read()
        if data:
            self.s_in.write(data)
            moved += len(data)
        data = self.s_out.read()
        if data:
            self.c_in.write(data)
            moved += len(data)
        return moved

    def _step(self, obj):
        try:
            obj.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False

    def handshake(self, max_rounds=50):
        """Run both handshakes to completion; SSLErrors propagate."""
        c_done = s_done = False
        for _ in range(max_rounds):
            if not c_done:
                c_done = self._step(self.client)
            self.pump()
            if not s_done:
                s_done = self._step(self.server)
            self.pump()
            if c_done and s_done:
                return self
        raise AssertionError("handshake did not finish in %d rounds" % max_rounds)

    def send(self, sender, receiver, data):
        """Write *data* on one side and read all of it on the other."""
        sender.write(data)
        self.pump()
        got = b""
        for _ in range(50):
            try:
                got += receiver.read(65536)
            except ssl.SSLWantReadError:
                self.pump()
                continue
            if len(got) >= len(data):
                break
        return got


@pytest.fixture
def bio_pair():
    return BioPair


# --------------------------------------------------------------------------
# Threaded servers on loopback
# --------------------------------------------------------------------------


def echo_handler(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


class Server(object):
    """A server on 127.0.0.1 that handles connections one at a time in a thread.

    With a context, each accepted socket is wrapped (server side, handshake
    done) before *handler* gets it; without one, the handler gets the plain
    TCP socket (for peers that do not speak TLS). Exceptions in the handshake
    or the handler are kept in ``errors``; ``results`` gets what handlers
    return. Used as a context manager; stopping is bounded by TIMEOUT.
    """

    def __init__(self, context=None, handler=echo_handler, timeout=TIMEOUT):
        self.context = context
        self.handler = handler
        self.timeout = timeout
        self.errors = []
        self.results = []
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.address = (HOST, self.port)
        self._stop = threading.Event()
        self.handled = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                raw, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            raw.settimeout(self.timeout)
            self.connections += 1
            conn = raw
            try:
                if self.context is not None:
                    conn = self.context.wrap_socket(raw, server_side=True)
                self.results.append(self.handler(conn))
            except Exception as exc:
                self.errors.append(exc)
            finally:
                try:
                    conn.close()
                except Exception:
                    pass
                raw.close()
                self.handled.set()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(self.timeout + 5)
        self.sock.close()
        assert not self._thread.is_alive(), "server thread did not stop"
        return False

    def wait_handled(self):
        assert self.handled.wait(self.timeout), "server did not finish a connection in time"


@pytest.fixture
def server():
    """server(context=None, handler=echo_handler) -> a started Server."""
    started = []

    def make(context=None, handler=echo_handler, timeout=TIMEOUT):
        srv = Server(context, handler, timeout).__enter__()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.__exit__(None, None, None)


def connect(ctx, srv, server_hostname="localhost", timeout=TIMEOUT, **kwargs):
    """A TLS client socket connected to *srv*, handshake done."""
    sock = socket.create_connection(srv.address, timeout=timeout)
    try:
        return ctx.wrap_socket(sock, server_hostname=server_hostname, **kwargs)
    except BaseException:
        sock.close()
        raise
