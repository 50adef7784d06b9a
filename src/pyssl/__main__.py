"""The pyssl command line: ``python -m pyssl {selftest,info,connect,serve}``.

    selftest   a TLS round trip on loopback with a fresh certificate
    info       versions, HAS_* flags and the default trust store
    connect    handshake with a server and show what was negotiated and the
               peer's chain; verification failures are reported, and what can
               be seen is still shown from a second, unverified handshake
    serve      a TLS echo server, or an HTTPS file server with --http DIR

Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

import argparse
import contextlib
import functools
import getpass
import http.server
import os
import signal
import socket
import sys
import tempfile
import threading

import pyssl
from pyssl import _ssl

TIMEOUT = 10.0
PASSWORD_ENV = "PYSSL_KEY_PASSWORD"

# Short names for the usual attributes, as `openssl x509 -subject` prints them.
_SHORT_NAMES = {
    "commonName": "CN",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "emailAddress": "emailAddress",
    "domainComponent": "DC",
}


class CommandError(Exception):
    """A failure worth one line of output."""


def _error_text(exc):
    """*exc* as one line of plain text.

    An OSError made with one argument and no errno (SSLError("...") is one)
    has the repr of its args tuple as its str(): ('ALPN protocols must...',).
    """
    if isinstance(exc, OSError) and exc.strerror is None and exc.args:
        text = " ".join(str(arg) for arg in exc.args)
    else:
        text = str(exc)
    return " ".join(text.split()) or type(exc).__name__


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (the usage is in --help)."""

    def error(self, message):
        self.exit(2, "%s: error: %s (see %s --help)\n" % (self.prog, message, self.prog))


def _group(tls):
    """The key-exchange group, or why it can't be named (OpenSSL 1.1.1)."""
    try:
        return tls.group()
    except NotImplementedError as exc:
        return "unknown (%s)" % exc


def _version():
    version = getattr(pyssl, "__version__", None)
    if version:
        return version
    try:
        from importlib import metadata

        return metadata.version("pyssl-core")
    except Exception:  # not installed (a dev build on PYTHONPATH)
        return "(not installed)"


def _write_server_files(hostname):
    """Fresh CA and leaf; returns (cafile_text, path of cert+key PEM)."""
    ca_pem, cert_pem, key_pem = _ssl._make_test_certs(hostname)
    fd, path = tempfile.mkstemp(prefix="pyssl-selftest-", suffix=".pem")
    with os.fdopen(fd, "w") as f:
        f.write(cert_pem + key_pem)
    return ca_pem, path


# --------------------------------------------------------------------------
# selftest and info
# --------------------------------------------------------------------------


def _serve_once(server_sock, context, result):
    """Accept one client, echo one message, record what went wrong."""
    try:
        conn, _ = server_sock.accept()
        conn.settimeout(TIMEOUT)
        with context.wrap_socket(conn, server_side=True) as tls:
            data = tls.recv(1024)
            tls.sendall(data.upper())
    except Exception as exc:  # reported by the client side
        result.append(exc)


def _describe(tls, message, reply):
    cert = tls.getpeercert()
    subject = ", ".join("%s=%s" % kv for rdn in cert["subject"] for kv in rdn)
    group = _group(tls)
    cipher = tls.cipher()
    return [
        ("pyssl", "%s over %s" % (_version(), pyssl.OPENSSL_VERSION)),
        ("protocol", tls.version()),
        ("cipher", "%s (%d bits)" % (cipher[0], cipher[2])),
        ("key exchange group", group or "unknown"),
        ("ALPN", tls.selected_alpn_protocol()),
        ("peer subject", subject),
        ("peer valid", "%s .. %s" % (cert["notBefore"], cert["notAfter"])),
        ("verified", "yes (CERT_REQUIRED, hostname checked)"),
        ("echo", "%r -> %r" % (message, reply)),
    ]


def selftest(args):
    hostname = "localhost"
    ca_pem, certfile = _write_server_files(hostname)
    try:
        server_ctx = pyssl.SSLContext(pyssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(certfile)
        server_ctx.set_alpn_protocols(["h2", "http/1.1"])
    finally:
        os.unlink(certfile)
    client_ctx = pyssl.create_default_context(cadata=ca_pem)
    client_ctx.set_alpn_protocols(["http/1.1"])

    problems = []
    with socket.create_server(("127.0.0.1", 0)) as srv:
        srv.settimeout(TIMEOUT)
        thread = threading.Thread(target=_serve_once, args=(srv, server_ctx, problems))
        thread.start()
        try:
            raw = socket.create_connection(srv.getsockname(), timeout=TIMEOUT)
            with client_ctx.wrap_socket(raw, server_hostname=hostname) as tls:
                message = b"hello from pyssl"
                tls.sendall(message)
                reply = tls.recv(1024)
                report = _describe(tls, message, reply)
        finally:
            thread.join(TIMEOUT)
    if problems:
        raise CommandError("server side failed: %s" % _error_text(problems[0]))
    if reply != message.upper():
        raise CommandError("echo mismatch: sent %r, got %r" % (message, reply))
    _print_table(report)
    print("selftest passed")
    return 0


def info(args):
    paths = pyssl.get_default_verify_paths()
    stats = pyssl.create_default_context().cert_store_stats()
    flags = sorted(n for n in dir(pyssl) if n.startswith("HAS_"))
    rows = [
        ("pyssl", _version()),
        (
            "OpenSSL",
            "%s (built against %s)"
            % (pyssl.OPENSSL_VERSION, _version_text(_ssl._OPENSSL_API_VERSION)),
        ),
        ("Python", sys.version.split()[0]),
    ]
    rows += [(name, getattr(pyssl, name)) for name in flags]
    rows += [
        ("cafile", paths.cafile),
        ("capath", paths.capath),
        ("default store", "%d CA certificates" % stats["x509_ca"]),
    ]
    _print_table(rows)
    return 0


def _version_text(info):
    """(major, minor, fix, patch, status) as OpenSSL writes it: 3.5.7, 1.1.1w."""
    major, minor, fix, patch = info[:4]
    if major >= 3:
        return "%d.%d.%d" % (major, minor, patch)
    return "%d.%d.%d%s" % (major, minor, fix, chr(ord("a") + patch - 1) if patch else "")


def _print_table(rows):
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print("%-*s  %s" % (width, key, value))


# --------------------------------------------------------------------------
# connect
# --------------------------------------------------------------------------


def _host_port(text, default_port=443):
    """HOST[:PORT], with [IPv6]:PORT, for argparse."""
    host, port = text, default_port
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise argparse.ArgumentTypeError("unbalanced [ in %r" % text)
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise argparse.ArgumentTypeError("expected [HOST]:PORT, got %r" % text)
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host:
        raise argparse.ArgumentTypeError("no host in %r" % text)
    return host, _port(port)


def _port(text):
    try:
        port = int(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError("invalid port %r" % text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port %d is out of range 0-65535" % port)
    return port


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid number %r" % text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0, got %r" % text)
    return value


_VERSIONS = ("TLSv1_2", "TLSv1_3")


def _tls_version(text):
    name = text.replace(".", "_")
    if name not in _VERSIONS:
        raise argparse.ArgumentTypeError(
            "unknown TLS version %r (choose from %s)" % (text, ", ".join(_VERSIONS))
        )
    return pyssl.TLSVersion[name]


def _alpn_list(values):
    protocols = [p.strip() for value in values or () for p in value.split(",")]
    return [p for p in protocols if p]


def _require_file(path, what):
    if path is not None and not os.path.isfile(path):
        reason = "no such file" if not os.path.exists(path) else "not a file"
        raise CommandError("%s %s: %s" % (what, path, reason))


class _KeyPassword(object):
    """load_cert_chain's password callback, so OpenSSL never prompts itself.

    OpenSSL calls it only for an encrypted key. The password is
    --key-password, else $PYSSL_KEY_PASSWORD, else asked once on the
    terminal; with no terminal to ask on, that is one line of error.
    """

    def __init__(self, keyfile, given):
        self.keyfile = keyfile
        self.password = given if given is not None else os.environ.get(PASSWORD_ENV)
        self.asked = False

    def __call__(self):
        self.asked = True
        if self.password is None:
            self.password = self._prompt()
        return self.password

    def _prompt(self):
        if sys.stdin is None or not sys.stdin.isatty():
            raise CommandError(
                "the key %s is encrypted: give its password with "
                "--key-password or %s" % (self.keyfile, PASSWORD_ENV)
            )
        try:
            return getpass.getpass("Password for %s: " % self.keyfile)
        except EOFError:
            raise CommandError("no password given for the key %s" % self.keyfile)


def _load_cert_chain(ctx, args):
    cert, key = args.cert, args.key
    password = _KeyPassword(key or cert, args.key_password)
    try:
        ctx.load_cert_chain(cert, key, password=password)
    except pyssl.SSLError as exc:
        # A key that decrypts but does not match the certificate is not a
        # password problem; any other failure after asking is.
        if password.asked and exc.reason != "KEY_VALUES_MISMATCH":
            raise CommandError("wrong password for the key %s" % (key or cert))
        raise CommandError(
            "cannot load the certificate %s%s: %s"
            % (cert, " with the key %s" % key if key else "", _error_text(exc))
        )


def _name(rdns):
    parts = []
    for rdn in rdns:
        for key, value in rdn:
            parts.append("%s=%s" % (_SHORT_NAMES.get(key, key), value))
    return ", ".join(parts) or "(empty)"


def _decode_chain(ders):
    """Subject/issuer dicts for DER certificates, through _test_decode_cert."""
    decoded = []
    fd, path = tempfile.mkstemp(prefix="pyssl-cert-", suffix=".pem")
    os.close(fd)
    try:
        for der in ders:
            with open(path, "w") as f:
                f.write(pyssl.DER_cert_to_PEM_cert(der))
            decoded.append(_ssl._test_decode_cert(path))
    finally:
        os.unlink(path)
    return decoded


def _print_chain(title, ders):
    print("%s (%d):" % (title, len(ders)))
    for i, cert in enumerate(_decode_chain(ders)):
        print("  %d subject: %s" % (i, _name(cert.get("subject", ()))))
        print("    issuer:  %s" % _name(cert.get("issuer", ())))
        if "notAfter" in cert:
            print("    valid:   %s .. %s" % (cert.get("notBefore"), cert["notAfter"]))


def _client_context(args, verify):
    _require_file(args.cafile, "CA file")
    _require_file(args.cert, "certificate file")
    _require_file(args.key, "key file")
    if args.key and not args.cert:
        raise CommandError("--key needs --cert")
    ctx = pyssl.create_default_context(cafile=args.cafile)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = pyssl.CERT_NONE
    if args.cert:
        _load_cert_chain(ctx, args)
    alpn = _alpn_list(args.alpn)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if args.min_version is not None:
        ctx.minimum_version = args.min_version
    if args.max_version is not None:
        ctx.maximum_version = args.max_version
    return ctx


def _handshake(args, verify):
    """Connect and handshake; returns the connected SSLSocket."""
    host, port = args.target
    ctx = _client_context(args, verify)
    try:
        raw = socket.create_connection((host, port), timeout=args.timeout)
    except socket.timeout:
        raise CommandError("timed out after %gs connecting to %s:%d" % (args.timeout, host, port))
    except OSError as exc:
        raise CommandError(
            "cannot connect to %s:%d: %s" % (host, port, exc.strerror or _error_text(exc))
        )
    try:
        return ctx.wrap_socket(raw, server_hostname=args.servername or host)
    except socket.timeout:
        raw.close()
        raise CommandError(
            "timed out after %gs in the TLS handshake with %s:%d" % (args.timeout, host, port)
        )
    except BaseException:
        raw.close()
        raise


def _report_session(tls, verified):
    cipher = tls.cipher()
    peer = tls.getpeername()
    _print_table(
        [
            ("peer address", "%s:%d" % peer[:2]),
            ("protocol", tls.version()),
            ("cipher", "%s (%d bits)" % (cipher[0], cipher[2]) if cipher else None),
            ("group", _group(tls) or "none"),
            ("ALPN", tls.selected_alpn_protocol() or "none"),
        ]
    )
    sent = tls.get_unverified_chain()
    if verified:
        _print_chain("verified chain, leaf to trust anchor", tls.get_verified_chain())
        print("(the peer sent %d certificate%s)" % (len(sent), "" if len(sent) == 1 else "s"))
    else:
        _print_chain("peer chain as sent, NOT verified", sent)


def _exchange(tls, data, timeout):
    tls.sendall(data.encode("utf-8") + b"\n")
    tls.settimeout(timeout)
    try:
        reply = tls.recv(65536)
    except socket.timeout:
        reply = None
    print("sent      %r" % (data + "\n"))
    print(
        "received  %r" % reply if reply is not None else "received  nothing within %gs" % timeout
    )


def connect(args):
    host, port = args.target
    verify = not args.insecure
    print("connecting to %s:%d (server name %s)" % (host, port, args.servername or host))
    try:
        tls = _handshake(args, verify)
    except pyssl.SSLCertVerificationError as exc:
        failure = "certificate verification failed: %s (verify code %s)" % (
            exc.verify_message,
            exc.verify_code,
        )
        print("verification  FAILED: %s (verify code %s)" % (exc.verify_message, exc.verify_code))
        print("-- retrying without verification to show the peer; NOTHING BELOW IS VERIFIED --")
        sys.stdout.flush()
        try:
            with _handshake(args, verify=False) as tls:
                _report_session(tls, verified=False)
        except (CommandError, OSError) as retry:
            print("(the unverified retry failed too: %s)" % _error_text(retry))
        raise CommandError(failure)
    with tls:
        if verify:
            print("verification  ok (hostname %s checked)" % (args.servername or host))
        else:
            print("verification  SKIPPED (--insecure): nothing below is verified")
        _report_session(tls, verified=verify)
        if args.send is not None:
            _exchange(tls, args.send, args.timeout)
    return 0


# --------------------------------------------------------------------------
# serve
# --------------------------------------------------------------------------


def _say(text):
    print(text, flush=True)


def _fresh_certificate(ctx, name, directory):
    """Load a fresh certificate for *name*; its CA is left in *directory*."""
    ca_pem, cert_pem, key_pem = _ssl._make_test_certs(name)
    cafile = os.path.join(directory, "ca.pem")
    with open(cafile, "w") as f:
        f.write(ca_pem)
    keyfile = os.path.join(directory, "key.pem")
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(cert_pem + key_pem)
    try:
        ctx.load_cert_chain(keyfile)
    finally:
        os.unlink(keyfile)  # the key lives on only in this process
    _say("certificate  fresh, for %s, signed by a throwaway CA" % name)
    _say(
        "CA written to %s (removed on exit; trust it: "
        "python -m pyssl connect HOST:PORT --cafile %s)" % (cafile, cafile)
    )


def _server_context(args, directory):
    _require_file(args.cert, "certificate file")
    _require_file(args.key, "key file")
    if args.key and not args.cert:
        raise CommandError("--key needs --cert")
    ctx = pyssl.SSLContext(pyssl.PROTOCOL_TLS_SERVER)
    if args.cert:
        _load_cert_chain(ctx, args)
    else:
        _fresh_certificate(ctx, args.name or args.host, directory)
    alpn = _alpn_list(args.alpn)
    if not alpn and args.http:
        alpn = ["http/1.1"]
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def _session_line(tls, peer):
    cipher = tls.cipher()
    return "connection from %s:%d: %s %s group=%s ALPN=%s" % (
        peer[0],
        peer[1],
        tls.version(),
        cipher[0] if cipher else None,
        _group(tls) or "none",
        tls.selected_alpn_protocol() or "none",
    )


def _echo(ctx, conn, peer, timeout):
    """One echo connection; returns an error text or None."""
    conn.settimeout(timeout)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            _say(_session_line(tls, peer))
            while True:
                try:
                    data = tls.recv(65536)
                except (ConnectionResetError, pyssl.SSLEOFError):
                    break
                if not data:
                    break
                tls.sendall(data)
    except (OSError, ValueError) as exc:
        return "connection from %s:%d failed: %s" % (peer[0], peer[1], _error_text(exc))
    finally:
        conn.close()
    return None


def _serve_echo(args, ctx):
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    with socket.create_server((args.host, args.port), family=family) as srv:
        host, port = srv.getsockname()[:2]
        _say(
            "echo server listening on %s:%d%s"
            % (host, port, " (one connection)" if args.once else "")
        )
        if args.once:
            conn, peer = srv.accept()
            error = _echo(ctx, conn, peer, args.timeout)
            if error:
                raise CommandError(error)
            return 0
        while True:
            conn, peer = srv.accept()

            def worker(conn=conn, peer=peer):
                error = _echo(ctx, conn, peer, args.timeout)
                if error:
                    print(error, file=sys.stderr, flush=True)

            threading.Thread(target=worker, daemon=True).start()


class _HTTPSServer(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer whose handshakes run in the handler threads."""

    daemon_threads = True

    def __init__(self, address, handler, context, timeout):
        self.context = context
        self.conn_timeout = timeout
        self.failures = []
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        request.settimeout(self.conn_timeout)
        tls = self.context.wrap_socket(request, server_side=True)
        _say(_session_line(tls, client_address))
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        text = "connection from %s:%d failed: %s" % (
            client_address[0],
            client_address[1],
            _error_text(exc),
        )
        self.failures.append(text)
        print(text, file=sys.stderr, flush=True)


class _FileHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        _say("%s %s" % (self.address_string(), format % args))


def _serve_http(args, ctx):
    directory = os.path.abspath(args.http)
    if not os.path.isdir(directory):
        raise CommandError("--http %s: not a directory" % args.http)
    handler = functools.partial(_FileHandler, directory=directory)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    _HTTPSServer.address_family = family
    with _HTTPSServer((args.host, args.port), handler, ctx, args.timeout) as server:
        host, port = server.server_address[:2]
        _say(
            "HTTPS server for %s listening on https://%s:%d/%s"
            % (
                directory,
                host if family == socket.AF_INET else "[%s]" % host,
                port,
                " (one connection)" if args.once else "",
            )
        )
        if args.once:
            server.daemon_threads = False  # so server_close() joins the handler
            server.handle_request()
            server.server_close()  # waits for the handler thread
            if server.failures:
                raise CommandError(server.failures[0])
            return 0
        server.serve_forever()
    return 0


@contextlib.contextmanager
def _sigterm_exits():
    """SIGTERM unwinds the stack as Ctrl-C does, so cleanups run; the exit
    status is then 128 + SIGTERM, as a shell reports a process it killed."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(args):
    if args.http is not None and not os.path.isdir(args.http):
        raise CommandError("--http %s: not a directory" % args.http)
    with _sigterm_exits(), tempfile.TemporaryDirectory(prefix="pyssl-serve-") as scratch:
        ctx = _server_context(args, scratch)
        if args.http is not None:
            return _serve_http(args, ctx)
        return _serve_echo(args, ctx)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def _add_key_password(parser):
    parser.add_argument(
        "--key-password",
        metavar="PASSWORD",
        help="password of an encrypted key (default: $%s, else asked on the "
        "terminal; the variable keeps it out of the process list)" % PASSWORD_ENV,
    )


def _parser():
    parser = _Parser(
        prog="python -m pyssl", description="pyssl: CPython's ssl, over pyssl's own _ssl."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "selftest",
        help="a TLS round trip on loopback with a fresh certificate",
        description="A TLS round trip on loopback with a freshly made "
        "certificate and verification on; prints what was "
        "negotiated.",
    )
    p.set_defaults(func=selftest)

    sub.add_parser(
        "run",
        help="run a program with pyssl as its ssl: run script.py [args] | run -m module [args]",
    )

    p = sub.add_parser(
        "info",
        help="versions, HAS_* flags and default trust store",
        description="Print the versions, the HAS_* flags and the default trust store.",
    )
    p.set_defaults(func=info)

    p = sub.add_parser(
        "connect",
        help="handshake with a server and show the session and peer chain",
        description="Connect to HOST[:PORT] (default port 443), handshake, and print the "
        "verification result, protocol, cipher, key exchange group, ALPN and "
        "the peer's certificate chain. If verification fails, the failure is "
        "printed and the peer is shown from a second, unverified handshake; "
        "the exit status is then 1.",
    )
    p.add_argument(
        "target",
        metavar="HOST[:PORT]",
        type=_host_port,
        help="server to connect to ([ADDR]:PORT for IPv6)",
    )
    p.add_argument(
        "--cafile",
        metavar="PEM",
        help="trust only the CA certificates in this file (default: the system store)",
    )
    p.add_argument("--cert", metavar="PEM", help="client certificate (chain), PEM")
    p.add_argument("--key", metavar="PEM", help="client private key, if not in --cert")
    _add_key_password(p)
    p.add_argument(
        "--alpn",
        metavar="PROTO[,PROTO]",
        action="append",
        help="offer these ALPN protocols (repeatable or comma separated)",
    )
    p.add_argument(
        "--sni",
        "--servername",
        dest="servername",
        metavar="NAME",
        help="server name sent (SNI) and checked (default: HOST)",
    )
    p.add_argument(
        "--min-version",
        type=_tls_version,
        metavar="VERSION",
        help="lowest TLS version: %s" % ", ".join(_VERSIONS),
    )
    p.add_argument(
        "--max-version",
        type=_tls_version,
        metavar="VERSION",
        help="highest TLS version: %s" % ", ".join(_VERSIONS),
    )
    p.add_argument(
        "--insecure", action="store_true", help="do not verify the certificate or the host name"
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=TIMEOUT,
        metavar="SECONDS",
        help="connect/handshake/read timeout (default %g)" % TIMEOUT,
    )
    p.add_argument(
        "--send",
        metavar="TEXT",
        help="after the handshake send TEXT and a newline and print the reply",
    )
    p.set_defaults(func=connect)

    p = sub.add_parser(
        "serve",
        help="a TLS echo server, or an HTTPS file server with --http DIR",
        description="Serve TLS on --host:--port: echo what each client sends, or with "
        "--http DIR serve DIR's files over HTTPS. Without --cert a fresh "
        "certificate for --name (default: --host) is made, and the CA that "
        "signed it is written to a file whose path is printed, for clients "
        "to trust; that file is removed when the server exits (after --once, "
        "on Ctrl-C or on SIGTERM).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=_port,
        default=4433,
        help="port to listen on, 0 for any free one (default 4433)",
    )
    p.add_argument("--cert", metavar="PEM", help="server certificate (chain), PEM")
    p.add_argument("--key", metavar="PEM", help="server private key, if not in --cert")
    _add_key_password(p)
    p.add_argument(
        "--name",
        metavar="NAME",
        help="host name or IP for the fresh certificate (default: --host)",
    )
    p.add_argument(
        "--alpn",
        metavar="PROTO[,PROTO]",
        action="append",
        help="ALPN protocols to accept, in order of preference (repeatable or "
        "comma separated; --http defaults to http/1.1)",
    )
    p.add_argument("--http", metavar="DIR", help="serve the files in DIR over HTTPS")
    p.add_argument("--once", action="store_true", help="serve one connection, then exit")
    p.add_argument(
        "--timeout",
        type=_positive,
        default=60.0,
        metavar="SECONDS",
        help="per-connection idle timeout (default 60)",
    )
    p.set_defaults(func=serve)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["run"]:
        # The program's own arguments are not ours to parse.
        from pyssl import _run

        return _run.main(argv[1:], prog="python -m pyssl run")
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (CommandError, OSError, ValueError) as exc:
        message = _error_text(exc)
    except Exception as exc:  # a bug, but still one line
        message = "internal error: %s: %s" % (type(exc).__name__, _error_text(exc))
    sys.stdout.flush()
    print("pyssl %s: error: %s" % (args.command, message), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
