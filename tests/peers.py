"""Real TLS peers for tests/test_interop.py: openssl, gnutls, curl, nginx.

Each peer is a subprocess on 127.0.0.1 with a free port; a server peer is
waited for by polling connect() (bounded), and every peer is killed in the
fixture's teardown. Output goes to files in the test's tmp_path so a failing
test shows what the peer said.

A peer binary that is absent skips the test, unless PYSSL_REQUIRE_PEERS is
set (CI sets it after ci/install-peers.sh): then it fails.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

HOST = "127.0.0.1"
TIMEOUT = 10.0
CACHE = os.environ.get("PYSSL_CACHE", os.path.expanduser("~/.cache/pyssl"))


def require(binary):
    """The path of *binary*; skips the test if absent (fails in CI)."""
    path = binary if os.path.isabs(binary) else shutil.which(binary)
    if path and os.access(path, os.X_OK):
        return path
    msg = "peer %s is not installed (ci/install-peers.sh installs it)" % binary
    if os.environ.get("PYSSL_REQUIRE_PEERS"):
        pytest.fail(msg + "; PYSSL_REQUIRE_PEERS is set")
    pytest.skip(msg)


def openssl_binaries():
    """(id, path) of the openssl command lines to test against: the system's
    and, when ci/build-openssl.sh 3.5 has built it, OpenSSL 3.5's."""
    found = [("system", "openssl")]
    built = os.path.join(CACHE, "openssl-3.5", "bin", "openssl")
    if os.access(built, os.X_OK):
        found.append(("3.5", built))
    return found


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Peer(object):
    """A peer subprocess whose stdout and stderr go to one log file."""

    def __init__(self, argv, log_path, stdin=False, env=None):
        self.argv = [str(a) for a in argv]
        self.log_path = str(log_path)
        self._log = open(self.log_path, "wb")
        # The peers are not under test: a sanitizer the test run preloads
        # (ci/asan.sh) stays out of them.
        env = dict(os.environ if env is None else env)
        env.pop("LD_PRELOAD", None)
        self.proc = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    def output(self):
        if not self._log.closed:  # kill() closes it
            self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_output(self, needle, timeout=TIMEOUT):
        """Wait until the peer has printed *needle*; return the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if needle in out:
                return out
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            "%r not seen from %s; it said:\n%s" % (needle, self.argv[0], self.output())
        )

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, timeout=TIMEOUT):
        """Wait for the peer to exit; return its exit status."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                "%s did not exit within %ss; it said:\n%s" % (self.argv[0], timeout, self.output())
            )

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(TIMEOUT)
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        self._log.close()


class ServerPeer(Peer):
    """A server peer listening on 127.0.0.1:port."""

    def __init__(self, argv, log_path, port, **kwargs):
        self.port = port
        self.address = (HOST, port)
        Peer.__init__(self, argv, log_path, **kwargs)
        self.wait_listening()

    def wait_listening(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    "%s exited with %s before listening:\n%s"
                    % (self.argv[0], self.proc.returncode, self.output())
                )
            try:
                socket.create_connection(self.address, timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(
            "%s did not listen on %d within %ss:\n%s"
            % (self.argv[0], self.port, timeout, self.output())
        )


class Peers(object):
    """Starts peers for one test and kills all of them at teardown."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.started = []

    def _log(self, name):
        return self.tmp / ("%s-%d.log" % (name, len(self.started)))

    def server(self, argv, port, **kwargs):
        name = os.path.basename(str(argv[0]))
        peer = ServerPeer(argv, self._log(name), port, **kwargs)
        self.started.append(peer)
        return peer

    def client(self, argv, **kwargs):
        name = os.path.basename(str(argv[0]))
        peer = Peer(argv, self._log(name), **kwargs)
        self.started.append(peer)
        return peer

    def run(self, argv, timeout=TIMEOUT, stdin=None):
        """Run a peer client to completion; (exit status, output)."""
        peer = self.client(argv, stdin=stdin is not None)
        if stdin is not None:
            try:
                peer.send(stdin)
                peer.proc.stdin.close()
            except BrokenPipeError:
                # It exited before reading: its status and output say why.
                pass
        status = peer.wait(timeout)
        return status, peer.output()

    # -- the servers ------------------------------------------------------

    def s_server(self, openssl, certs, *args, **kwargs):
        """openssl s_server with the test server certificate; *args* add the
        mode (-www, -rev, ...) and the protocol switches."""
        port = free_port()
        argv = [
            require(openssl),
            "s_server",
            "-accept",
            "%s:%d" % (HOST, port),
            "-cert",
            certs.server_certfile,
            "-key",
            certs.server_keyfile,
            "-naccept",
            "100",
        ] + list(args)
        return self.server(argv, port, **kwargs)

    def gnutls_serv(self, certs, *args):
        port = free_port()
        argv = [
            require("gnutls-serv"),
            "--port",
            str(port),
            "--x509certfile",
            certs.server_certfile,
            "--x509keyfile",
            certs.server_keyfile,
        ] + list(args)
        return self.server(argv, port)

    def nginx(self, certs, protocols="TLSv1.2 TLSv1.3", files=None, extra="", http2=False):
        """nginx serving *files* ({name: bytes}) over TLS from a generated
        config in tmp_path: one process, in the foreground, logging to stderr.
        *http2* offers h2 by ALPN (a listen parameter in nginx 1.22)."""
        binary = require("nginx")
        root = self.tmp / "nginx"
        www = root / "www"
        www.mkdir(parents=True, exist_ok=True)
        for name, data in (files or {}).items():
            (www / name).write_bytes(data)
        port = free_port()
        temps = "\n".join(
            "    %s_temp_path %s;" % (kind, root / kind)
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = root / "nginx.conf"
        conf.write_text(
            "daemon off;\n"
            "master_process off;\n"
            "error_log stderr info;\n"
            "pid %(root)s/nginx.pid;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    access_log off;\n"
            "%(temps)s\n"
            "    server {\n"
            "        listen %(host)s:%(port)d ssl%(http2)s;\n"
            "        ssl_protocols %(protocols)s;\n"
            "        ssl_certificate %(cert)s;\n"
            "        ssl_certificate_key %(key)s;\n"
            "%(extra)s\n"
            "        root %(www)s;\n"
            "        location / { }\n"
            "    }\n"
            "}\n"
            % dict(
                root=root,
                temps=temps,
                host=HOST,
                port=port,
                protocols=protocols,
                cert=certs.server_certfile,
                key=certs.server_keyfile,
                extra=extra,
                www=www,
                http2=" http2" if http2 else "",
            )
        )
        argv = [binary, "-e", "stderr", "-c", conf, "-p", root]
        return self.server(argv, port)

    def stop(self):
        for peer in self.started:
            peer.kill()


def run_in_thread(func, *args):
    """Run func(*args) in a thread; join(timeout) -> its result or exception."""
    box = {}

    def target():
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def join(timeout=TIMEOUT):
        thread.join(timeout)
        assert not thread.is_alive(), "%s did not finish within %ss" % (func.__name__, timeout)
        if "error" in box:
            raise box["error"]
        return box.get("result")

    return join
