"""In-memory TLS between two SSLObjects, for the record-layer targets and
for recording their seeds (make_corpus.py).

The server holds tests/fuzz/certs/server.pem; the client does not verify
it (the targets are about parsing what arrives, not about trust).
"""

from _harness import asset, ssl

ALPN = ["h2", "http/1.1"]


def _seen(*args):
    """Callbacks that only look, so their C paths run on fuzzed input."""
    return None


def server_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(asset("server.pem"))
    ctx.set_alpn_protocols(ALPN)
    ctx.sni_callback = _seen
    ctx._msg_callback = _seen
    return ctx


def client_context(maximum=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(ALPN)
    ctx._msg_callback = _seen
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


class End:
    """One side: an SSLObject between two MemoryBIOs."""

    def __init__(self, ctx, server_side):
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(
            self.incoming,
            self.outgoing,
            server_side=server_side,
            server_hostname=None if server_side else "localhost",
        )

    def step(self):
        """One do_handshake(); True once it is complete."""
        try:
            self.obj.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False

    def sent(self):
        return self.outgoing.read()


def pair(server_ctx, client_ctx, flights=None):
    """A client and a server End that completed a handshake. If flights is
    a list, each side's output is appended to it as ("client"|"server", bytes)."""
    client, server = End(client_ctx, False), End(server_ctx, True)
    for _ in range(10):  # a handshake takes 2-3 round trips
        c_done = client.step()
        data = client.sent()
        if data:
            server.incoming.write(data)
            if flights is not None:
                flights.append(("client", data))
        s_done = server.step()
        data = server.sent()
        if data:
            client.incoming.write(data)
            if flights is not None:
                flights.append(("server", data))
        if c_done and s_done and not data:
            return client, server
    raise AssertionError("in-memory handshake did not complete in 10 rounds")


def drain(end, size=16384, limit=64):
    """Read until the side wants more input; at most limit reads."""
    for _ in range(limit):
        try:
            if not end.obj.read(size):
                return
        except ssl.SSLWantReadError:
            return
