"""The client side of a handshake fed a fuzzed server flight (the seeds are
recorded flights). Bit 0 of the first byte caps the client at TLS 1.2,
where the server's certificate travels in clear and so is parsed here, and
whatever chain the client kept is read back as Certificate objects."""

import _harness
import _tls
from _harness import expect, ssl

CLIENTS = (_tls.client_context(), _tls.client_context(ssl.TLSVersion.TLSv1_2))


def fuzz(data):
    if not data:
        return
    client = _tls.End(CLIENTS[data[0] & 1], False)
    client.step()  # the ClientHello
    client.sent()
    client.incoming.write(data[1:])
    done = expect(client.step) is True
    core = client.obj._sslobj  # its chain is of Certificate objects
    chain = expect(core.get_unverified_chain)
    for cert in chain if isinstance(chain, list) else ():
        cert.get_info()
        cert.public_bytes(ssl._ssl.ENCODING_DER)
        repr(cert), hash(cert)
    if done:
        expect(client.obj.getpeercert)
        _tls.drain(client)


if __name__ == "__main__":
    _harness.main(fuzz, "tls_client")
