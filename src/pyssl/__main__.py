"""The pyssl command line: ``python -m pyssl {selftest,info}``.

Errors are one line on stderr and a non-zero exit status, never a traceback.
"""
import argparse
import os
import socket
import sys
import tempfile
import threading

import pyssl
from pyssl import _ssl

TIMEOUT = 10.0


class CommandError(Exception):
    """A failure worth one line of output."""


def _write_server_files(hostname):
    """Fresh CA and leaf; returns (cafile_text, path of cert+key PEM)."""
    ca_pem, cert_pem, key_pem = _ssl._make_test_certs(hostname)
    fd, path = tempfile.mkstemp(prefix="pyssl-selftest-", suffix=".pem")
    with os.fdopen(fd, "w") as f:
        f.write(cert_pem + key_pem)
    return ca_pem, path


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
    group = tls.group() if hasattr(tls, "group") else None
    cipher = tls.cipher()
    return [
        ("pyssl", "%s over %s" % (pyssl.__version__, pyssl.OPENSSL_VERSION)),
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
        raise CommandError("server side failed: %s" % problems[0])
    if reply != message.upper():
        raise CommandError("echo mismatch: sent %r, got %r" % (message, reply))
    width = max(len(k) for k, _ in report)
    for key, value in report:
        print("%-*s  %s" % (width, key, value))
    print("selftest passed")
    return 0


def info(args):
    paths = pyssl.get_default_verify_paths()
    ctx = pyssl.create_default_context()
    stats = ctx.cert_store_stats()
    flags = sorted(n for n in dir(pyssl) if n.startswith("HAS_"))
    print("pyssl      %s" % pyssl.__version__)
    print("OpenSSL    %s (built against %s)" % (
        pyssl.OPENSSL_VERSION, ".".join(map(str, _ssl._OPENSSL_API_VERSION[:3]))))
    print("Python     %s" % sys.version.split()[0])
    for name in flags:
        print("%-22s %s" % (name, getattr(pyssl, name)))
    print("cafile     %s" % paths.cafile)
    print("capath     %s" % paths.capath)
    print("default store: %d CA certificates" % stats["x509_ca"])
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pyssl",
                                     description="pyssl: CPython's ssl, over pyssl's own _ssl.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("selftest", help="a TLS round trip on loopback with a fresh certificate")
    p.set_defaults(func=selftest)
    p = sub.add_parser("info", help="versions, HAS_* flags and default trust store")
    p.set_defaults(func=info)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CommandError, OSError, ValueError) as exc:
        print("pyssl %s: error: %s" % (args.command, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
