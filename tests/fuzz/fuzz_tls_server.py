"""The server side of a handshake fed a fuzzed client flight (the seeds are
recorded ClientHellos). The server context has ALPN, an SNI callback and a
message callback, so their C paths see the fuzzed fields."""

import _harness
import _tls
from _harness import expect

SERVER = _tls.server_context()


def fuzz(data):
    server = _tls.End(SERVER, True)
    server.incoming.write(data)
    if expect(server.step) is True:
        expect(server.obj.getpeercert)
        server.obj.selected_alpn_protocol()
        _tls.drain(server)
    server.sent()


if __name__ == "__main__":
    _harness.main(fuzz, "tls_server")
