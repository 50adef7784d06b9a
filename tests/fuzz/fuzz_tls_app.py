"""Records arriving at a client after a complete handshake. Byte 0 picks
how they are made: raw fuzzed bytes (0), the server's real records of the
payload (1), real records followed by raw bytes (2), or real records with
one byte flipped at a place bytes 1-2 choose (3); bits 2-3 pick the read
size, bit 4 reads into a buffer, bit 5 ends with unwrap()."""

import _harness
import _tls
from _harness import expect, ssl

SERVER = _tls.server_context()
CLIENT = _tls.client_context()
SIZES = (1, 7, 1000, 16384)


def _records(kind, server, payload):
    if kind == 0:
        return payload
    half = len(payload) // 2 if kind == 2 else len(payload)
    if payload[:half]:
        server.obj.write(payload[:half])
    records = bytearray(server.sent())
    if kind == 2:
        records += payload[half:]
    elif kind == 3 and records and len(payload) >= 2:
        records[(payload[0] << 8 | payload[1]) % len(records)] ^= 0x55
    return bytes(records)


def _read(client, size, into):
    for _ in range(64):
        if into:
            got = client.obj.read(size, bytearray(size))
        else:
            got = len(client.obj.read(size))
        if not got:
            return


def fuzz(data):
    if not data:
        return
    mode = data[0]
    client, server = _tls.pair(SERVER, CLIENT)
    client.incoming.write(_records(mode & 3, server, data[1:]))
    try:
        _read(client, SIZES[mode >> 2 & 3], mode & 16)
    except ssl.SSLWantReadError:
        pass
    except ssl.SSLError:
        return
    expect(client.obj.write, b"after")
    if mode & 32:
        expect(client.obj.unwrap)


if __name__ == "__main__":
    _harness.main(fuzz, "tls_app")
