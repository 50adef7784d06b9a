"""``python -m pyssl``: selftest, info, connect and serve, run as a user runs them.

Every command runs in a subprocess of this interpreter (same environment, so
it imports the same pyssl the other tests do); every wait is bounded. Errors
must be one line on stderr with a non-zero exit status, never a traceback.
"""

import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import HOST, TIMEOUT, UNDER_STDLIB, ssl

pytestmark = pytest.mark.skipif(
    UNDER_STDLIB, reason="the command line is pyssl's own; the stdlib ssl has none to compare"
)


def run_cli(*args, timeout=4 * TIMEOUT, env=None):
    """Run the CLI to completion; *env* adds to (or, with None values, removes
    from) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "pyssl"] + list(args),
        cwd="/",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(env),
    )


def child_env(changes):
    env = dict(os.environ)
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def assert_one_line_error(proc, *fragments):
    assert proc.returncode != 0, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "error" in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def field(stdout, name):
    """The value of a `name   value` line of the CLI's report."""
    m = re.search(r"^%s\s+(.*)$" % re.escape(name), stdout, re.M)
    assert m, "no %r line in:\n%s" % (name, stdout)
    return m.group(1).strip()


def _ctrl_c_interrupts():
    # A runner started in the background may pass SIGINT on as ignored, and
    # Python then never turns it into KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Server(object):
    """`python -m pyssl serve ...` in a subprocess, read line by line; its
    TMPDIR is *tmpdir*, so whatever it leaves there can be seen."""

    def __init__(self, args, tmpdir, env=None):
        env = dict(env or {}, TMPDIR=str(tmpdir))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyssl", "serve", "--port", "0"] + list(args),
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(env),
            preexec_fn=_ctrl_c_interrupts,
        )
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.port = int(self.wait_for(r"listening on .*:(\d+)").group(1))
        self.cafile = None
        for line in self.seen:
            m = re.match(r"CA written to (\S+)", line)
            if m:
                self.cafile = m.group(1)

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern):
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.proc.kill()
                raise AssertionError(
                    "serve never printed %r; it printed %r, stderr %r"
                    % (pattern, self.seen, self.proc.stderr.read())
                )
            self.seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m

    def finish(self):
        """Wait for a --once server to exit; returns (status, stderr)."""
        try:
            status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("serve --once did not exit after its connection")
        return status, self.proc.stderr.read()

    def stop(self):
        """Stop it as a user would (SIGTERM), so that it cleans up."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait(TIMEOUT)
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def servers(tmp_path):
    started = []

    def start(*args, env=None):
        server = Server(args, tmp_path, env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# -- selftest and info -------------------------------------------------------


def test_selftest_round_trip_prints_what_was_negotiated():
    proc = run_cli("selftest")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert field(proc.stdout, "protocol") == "TLSv1.3"
    assert field(proc.stdout, "cipher").startswith("TLS_")
    assert field(proc.stdout, "key exchange group") not in ("", "unknown")
    assert proc.stdout.rstrip().endswith("selftest passed")


def test_info_prints_versions_and_flags():
    proc = run_cli("info")
    assert proc.returncode == 0, proc.stderr
    assert ssl.OPENSSL_VERSION in field(proc.stdout, "OpenSSL")
    assert field(proc.stdout, "HAS_ALPN") == "True"
    assert field(proc.stdout, "HAS_TLSv1_3") == str(ssl.HAS_TLSv1_3)
    assert re.match(r"\d+ CA certificates$", field(proc.stdout, "default store"))


def test_info_values_all_start_in_one_column():
    proc = run_cli("info")
    assert proc.returncode == 0, proc.stderr
    columns = {}
    for line in proc.stdout.splitlines():
        # LABEL, two or more spaces, VALUE (labels may hold single spaces)
        m = re.match(r"(\S+(?: \S+)*)  +\S", line)
        assert m, "not a 'label  value' row: %r" % line
        columns.setdefault(m.end() - 1, []).append(m.group(1))
    assert len(columns) == 1, "values start in columns %r" % columns


@pytest.mark.parametrize("command", ["connect", "serve", "selftest", "info", "run"])
def test_help_for_each_command(command):
    proc = run_cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: python -m pyssl %s" % command)


@pytest.mark.parametrize("name", ["pyssl run", "pyssl.run"])
@pytest.mark.parametrize("args", [["--help"], [], ["-m"]], ids=["help", "nothing", "-m"])
def test_run_names_itself_as_it_was_invoked(name, args):
    other = {"pyssl run": "pyssl.run", "pyssl.run": "pyssl run"}[name]
    proc = subprocess.run(
        [sys.executable, "-m"] + name.split() + args,
        cwd="/",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == (0 if args == ["--help"] else 2), output
    assert "usage: python -m %s script.py" % name in output
    assert other not in output


def python_m_error(module, cwd):
    """What `python -m MODULE` prints after its 'PYTHON: ' prefix."""
    proc = subprocess.run(
        [sys.executable, "-m", module],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
    )
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 1, proc.stderr
    return proc.stderr.split(": ", 1)[1].rstrip("\n")


@pytest.mark.parametrize("name", ["pyssl run", "pyssl.run"])
@pytest.mark.parametrize("module", ["no_such_module", "no_such_package.module"])
def test_run_a_module_that_is_not_there_is_one_line_as_in_python(name, module, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m"] + name.split() + ["-m", module],
        cwd=str(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
    )
    assert proc.returncode == 1
    assert proc.stderr == "%s: %s\n" % (name, python_m_error(module, str(tmp_path)))


def test_run_an_import_error_inside_the_module_still_has_its_traceback(tmp_path):
    (tmp_path / "imports_a_missing_module.py").write_text("import no_such_dependency\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pyssl", "run", "-m", "imports_a_missing_module"],
        cwd=str(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=4 * TIMEOUT,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback"), proc.stderr
    assert 'imports_a_missing_module.py", line 1' in proc.stderr
    assert proc.stderr.endswith("No module named 'no_such_dependency'\n")


# -- connect against serve -----------------------------------------------------


def test_connect_to_serve_once_verifies_and_prints_the_chain(servers):
    server = servers("--once", "--alpn", "h2,http/1.1")
    assert server.cafile and os.path.isfile(server.cafile), server.seen
    proc = run_cli(
        "connect",
        "%s:%d" % (HOST, server.port),
        "--cafile",
        server.cafile,
        "--alpn",
        "h2",
        "--alpn",
        "http/1.1",
        "--send",
        "ping",
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert field(out, "verification").startswith("ok")
    assert field(out, "protocol") == "TLSv1.3"
    assert field(out, "cipher").startswith("TLS_")
    assert field(out, "group") != "none"
    assert field(out, "ALPN") == "h2"
    # The verified chain: the leaf for 127.0.0.1, then the CA that signed it.
    subjects = re.findall(r"^\s+(\d+) subject: (.*)$", out, re.M)
    issuers = re.findall(r"^\s+issuer:\s+(.*)$", out, re.M)
    assert [i for i, _ in subjects] == ["0", "1"], out
    assert "CN=127.0.0.1" in subjects[0][1]
    assert issuers[0] == subjects[1][1] == issuers[1], out
    assert "received  b'ping\\n'" in out
    status, err = server.finish()
    assert status == 0, err
    line = server.wait_for(r"^connection from ")
    assert "TLSv1.3" in line.string and "ALPN=h2" in line.string


def test_connect_version_bounds_and_sni(servers):
    server = servers("--once", "--name", "localhost")
    proc = run_cli(
        "connect",
        "%s:%d" % (HOST, server.port),
        "--cafile",
        server.cafile,
        "--sni",
        "localhost",
        "--max-version",
        "TLSv1_2",
    )
    assert proc.returncode == 0, proc.stderr
    assert field(proc.stdout, "protocol") == "TLSv1.2"
    assert server.finish()[0] == 0


def test_connect_with_the_wrong_ca_fails_in_one_line_and_shows_the_unverified_peer(servers, certs):
    server = servers()  # not --once: connect retries unverified
    proc = run_cli("connect", "%s:%d" % (HOST, server.port), "--cafile", certs.other_cafile)
    line = assert_one_line_error(proc, "certificate verification failed", "verify code 20")
    assert line.startswith("pyssl connect: error:")
    assert "FAILED" in field(proc.stdout, "verification")
    # The retry is labelled and still shows the session and what the peer sent.
    assert "NOT verified" in proc.stdout
    assert field(proc.stdout, "protocol") == "TLSv1.3"
    assert re.search(r"^\s+0 subject: .*CN=127\.0\.0\.1", proc.stdout, re.M), proc.stdout


def test_connect_hostname_mismatch_is_a_verification_error(servers):
    server = servers("--once")
    proc = run_cli(
        "connect",
        "%s:%d" % (HOST, server.port),
        "--cafile",
        server.cafile,
        "--sni",
        "other.example",
    )
    assert_one_line_error(proc, "certificate verification failed", "other.example")


def test_connect_insecure_skips_verification(servers, certs):
    server = servers("--once")
    proc = run_cli(
        "connect", "%s:%d" % (HOST, server.port), "--cafile", certs.other_cafile, "--insecure"
    )
    assert proc.returncode == 0, proc.stderr
    assert field(proc.stdout, "verification").startswith("SKIPPED")
    assert "NOT verified" in proc.stdout


def test_connect_sends_the_client_certificate(certs):
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.server_certfile, certs.server_keyfile)
    server_ctx.load_verify_locations(certs.cafile)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    seen = {}
    with socket.create_server((HOST, 0)) as srv:
        srv.settimeout(TIMEOUT)

        def serve():
            try:
                conn, _ = srv.accept()
                conn.settimeout(TIMEOUT)
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    seen["peer"] = tls.getpeercert()
            except (OSError, ValueError) as exc:
                seen["error"] = exc

        thread = threading.Thread(target=serve)
        thread.start()
        proc = run_cli(
            "connect",
            "localhost:%d" % srv.getsockname()[1],
            "--cafile",
            certs.cafile,
            "--cert",
            certs.client_combined,
        )
        thread.join(TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "error" not in seen, seen
    sans = [v for _, v in seen["peer"]["subjectAltName"]]
    assert "client.example" in sans, seen["peer"]


def test_connect_refused_is_one_line():
    proc = run_cli("connect", "%s:%d" % (HOST, free_port()), "--timeout", "5")
    assert_one_line_error(proc, "cannot connect")


def ca_directories(tmp_path):
    return sorted(p.name for p in tmp_path.glob("pyssl-serve-*"))


@pytest.mark.parametrize("how", ["--once", "SIGINT", "SIGTERM"])
def test_serve_prints_its_ca_file_and_removes_it_when_it_exits(how, servers, tmp_path):
    server = servers("--once") if how == "--once" else servers()
    # While it runs, the CA that signed its certificate is a file a client can trust.
    assert server.cafile, server.seen
    assert os.path.dirname(os.path.dirname(server.cafile)) == str(tmp_path)
    assert ca_directories(tmp_path) == [os.path.basename(os.path.dirname(server.cafile))]
    if how == "--once":
        proc = run_cli("connect", "%s:%d" % (HOST, server.port), "--cafile", server.cafile)
        assert proc.returncode == 0, proc.stderr
    else:
        server.proc.send_signal(getattr(signal, how))
    status, err = server.finish()
    assert status == {"--once": 0, "SIGINT": 130, "SIGTERM": 128 + signal.SIGTERM}[how]
    assert err == ""
    assert ca_directories(tmp_path) == []


def test_serve_removes_its_ca_directory_after_an_error(tmp_path):
    proc = run_cli("serve", "--port", "0", "--alpn", "a" * 300, env={"TMPDIR": str(tmp_path)})
    assert_one_line_error(proc, "ALPN")
    assert ca_directories(tmp_path) == []


def test_serve_http_serves_a_file(servers, tmp_path):
    (tmp_path / "hello.txt").write_text("hello over https\n")
    server = servers("--once", "--http", str(tmp_path))
    import http.client

    ctx = ssl.create_default_context(cafile=server.cafile)
    conn = http.client.HTTPSConnection(HOST, server.port, context=ctx, timeout=TIMEOUT)
    try:
        conn.request("GET", "/hello.txt")
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200
    assert body == b"hello over https\n"
    status, err = server.finish()
    assert status == 0, err


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nonsense"],
        ["connect"],
        ["connect", "localhost:https"],
        ["connect", "localhost:70000"],
        ["connect", "localhost", "--min-version", "SSLv3"],
        ["connect", "localhost", "--timeout", "-1"],
        ["connect", "localhost", "--bogus"],
        ["serve", "--port", "x"],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_bad_arguments_are_one_line(args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert_one_line_error(proc, "--help")
    assert proc.stdout == ""


def test_serve_with_a_missing_cert_file_is_one_line(tmp_path):
    missing = str(tmp_path / "missing.pem")
    proc = run_cli("serve", "--port", "0", "--cert", missing)
    assert proc.returncode == 1
    assert_one_line_error(proc, missing)


def test_serve_with_a_key_that_does_not_match_is_one_line(certs):
    proc = run_cli(
        "serve", "--port", "0", "--cert", certs.server_certfile, "--key", certs.client_keyfile
    )
    assert proc.returncode == 1
    assert_one_line_error(proc, "cannot load the certificate")


@pytest.mark.parametrize("command", ["connect", "serve"])
def test_an_error_whose_exception_has_one_arg_prints_as_plain_text(command, tmp_path):
    # set_alpn_protocols raises SSLError("..."), whose str() is its args tuple.
    too_long = "a" * 300
    target = ["%s:%d" % (HOST, free_port())] if command == "connect" else ["--port", "0"]
    proc = run_cli(command, *target, "--alpn", too_long, env={"TMPDIR": str(tmp_path)})
    assert proc.returncode == 1
    line = assert_one_line_error(proc, "ALPN protocols must be 1 to 255 in length")
    assert line == "pyssl %s: error: ALPN protocols must be 1 to 255 in length" % command


# -- encrypted keys ------------------------------------------------------------

PASSWORD = "correct horse"
NO_PASSWORD = {"PYSSL_KEY_PASSWORD": None}


@pytest.fixture(scope="module")
def encrypted_key(certs):
    pytest.importorskip("cryptography")
    return certs.encrypted_key(PASSWORD.encode(), name="cli-encrypted.key")


def load_key(command, certs, keyfile, *extra, env=NO_PASSWORD):
    """connect or serve with --cert and --key KEYFILE; should the key load,
    they fail just after: connect finds nobody listening, serve its port taken."""
    key = ["--cert", certs.server_certfile, "--key", keyfile] + list(extra)
    if command == "connect":
        return run_cli("connect", "%s:%d" % (HOST, free_port()), *key, env=env)
    with socket.create_server((HOST, 0)) as taken:
        return run_cli("serve", "--port", str(taken.getsockname()[1]), *key, env=env)


@pytest.mark.parametrize("command", ["connect", "serve"])
def test_an_encrypted_key_and_no_password_is_one_line_and_no_prompt(command, certs, encrypted_key):
    proc = load_key(command, certs, encrypted_key)
    assert proc.returncode == 1
    assert_one_line_error(
        proc, "the key %s is encrypted" % encrypted_key, "--key-password", "PYSSL_KEY_PASSWORD"
    )


@pytest.mark.parametrize("command", ["connect", "serve"])
@pytest.mark.parametrize("how", ["option", "env"])
def test_a_wrong_key_password_is_one_line(command, how, certs, encrypted_key):
    if how == "option":
        proc = load_key(command, certs, encrypted_key, "--key-password", "wrong")
    else:
        proc = load_key(command, certs, encrypted_key, env={"PYSSL_KEY_PASSWORD": "wrong"})
    assert proc.returncode == 1
    assert_one_line_error(proc, "wrong password for the key %s" % encrypted_key)


@pytest.mark.parametrize("how", ["option", "env"])
def test_an_encrypted_key_loads_with_its_password(how, servers, certs, encrypted_key):
    given = (
        (["--key-password", PASSWORD], NO_PASSWORD)
        if how == "option"
        else ([], {"PYSSL_KEY_PASSWORD": PASSWORD})
    )
    server = servers(
        "--once", "--cert", certs.server_certfile, "--key", encrypted_key, *given[0], env=given[1]
    )
    proc = run_cli(
        "connect",
        "localhost:%d" % server.port,
        "--cafile",
        certs.cafile,
        "--cert",
        certs.server_certfile,
        "--key",
        encrypted_key,
        *given[0],
        env=given[1],
    )
    assert proc.returncode == 0, proc.stderr
    assert field(proc.stdout, "verification").startswith("ok")
    assert server.finish()[0] == 0


def run_on_a_terminal(args, answer, env=NO_PASSWORD):
    """Run the CLI on a terminal of its own and type *answer* at its first
    prompt (output ending in ':'); returns (exit status, what it wrote)."""
    import pty

    argv = [sys.executable, "-m", "pyssl"] + list(args)
    environ = child_env(env)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir("/")
            os.execve(sys.executable, argv, environ)
        finally:
            os._exit(127)
    deadline = time.monotonic() + 4 * TIMEOUT
    try:
        output = read_terminal(fd, answer, deadline)
    finally:
        os.close(fd)
    return wait_child(pid, deadline), output.decode("utf-8", "replace")


def read_terminal(fd, answer, deadline):
    output = b""
    while select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child is gone and the terminal with it
            break
        if not chunk:
            break
        output += chunk
        if answer is not None and output.rstrip().endswith(b":"):
            os.write(fd, answer + b"\n")
            answer = None
    return output


def wait_child(pid, deadline):
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the CLI on a terminal did not exit")


def test_on_a_terminal_the_key_password_is_asked_once(certs, encrypted_key):
    pytest.importorskip("pty")
    status, output = run_on_a_terminal(
        [
            "connect",
            "%s:%d" % (HOST, free_port()),
            "--timeout",
            "5",
            "--cert",
            certs.server_certfile,
            "--key",
            encrypted_key,
        ],
        PASSWORD.encode(),
    )
    assert output.count("Password for %s: " % encrypted_key) == 1, output
    assert "pass phrase" not in output  # OpenSSL's own prompt
    assert PASSWORD not in output  # not echoed
    assert "cannot connect" in output, output  # the key loaded; nobody listened
    assert status == 1


def test_connect_with_a_missing_cafile_is_one_line(tmp_path):
    missing = str(tmp_path / "nope.pem")
    proc = run_cli("connect", "%s:%d" % (HOST, free_port()), "--cafile", missing)
    assert proc.returncode == 1
    assert_one_line_error(proc, missing)
