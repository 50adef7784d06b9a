"""An SSLObject over the stdlib's MemoryBIOs (the Shuttle, csrc/stdlib_bio.c),
driven call by call: the client's real records fed in pieces, corrupted,
stolen back out of the BIO, an EOF, close_notify, and the server's own
reads and writes through the Shuttle in between.

Each input byte after the first is an operation with the next byte as its
argument (see OPS); byte 0 seeds the sizes, and its low bit makes the
Shuttle take 100 bytes at a time instead of 128 KiB.  As long as nothing
corrupted the stream:
  - what the server read is a prefix of what the client wrote;
  - a byte fed but not read yet is visible: the caller's incoming BIO
    still holds bytes or pending() counts some (the idiom uvloop relies
    on to see close_notify);
  - after the rest is fed, reading while either says so gets all of it.
"""

import ssl as stdlib_ssl

import _harness
import _tls
from _harness import ssl

from pyssl import _stdlib_bio

SERVER = _tls.server_context()
CLIENT = _tls.client_context()
SIZES = (1, 10, 64, 1000, 4096, 16384, 65536, 300000)
TAKE = _stdlib_bio._TAKE


class Run:
    def __init__(self, seed):
        self.seed = seed
        self.client = _tls.End(CLIENT, False)
        sin, sout = stdlib_ssl.MemoryBIO(), stdlib_ssl.MemoryBIO()
        self.sin, self.sout = sin, sout
        self.server = SERVER.wrap_bio(sin, sout, server_side=True)
        assert type(self.server._sslobj).__name__ == "_Shuttle"
        for _ in range(10):
            done = self.client.step()
            sin.write(self.client.sent())
            try:
                self.server.do_handshake()
            except ssl.SSLWantReadError:
                pass
            self.client.incoming.write(sout.read())
            if done and not sin.pending and self.server.version() is not None:
                break
        self.wire = bytearray()  # client -> server, not yet fed
        self.sent = bytearray()  # plaintext the client wrote
        self.got = bytearray()  # plaintext the server read
        self.clean = True  # nothing corrupted or stolen
        self.over = False  # a read raised, EOF or close_notify: no more data

    def size(self, arg):
        return SIZES[arg & 7] + (arg >> 3) * self.seed

    def client_write(self, arg):
        data = bytes([arg]) * self.size(arg)
        self.client.obj.write(data)
        self.sent += data
        self.wire += self.client.sent()

    def feed(self, arg):
        n = min(len(self.wire), self.size(arg))
        self.sin.write(bytes(self.wire[:n]))
        del self.wire[:n]

    def read(self, arg):
        self.got += self.server.read(self.size(arg))

    def read_into(self, arg):
        buf = bytearray(self.size(arg))
        count = self.server.read(len(buf), buf)
        self.got += buf[:count]

    def server_write(self, arg):
        data = b"s" * self.size(arg)
        self.server.write(data)
        self.client.incoming.write(self.sout.read())
        back = bytearray()
        while len(back) < len(data):
            piece = self.client.obj.read(1 << 20)
            if not piece:
                break
            back += piece
        assert back == data, "the client decrypted other bytes"

    def pending(self, arg):
        self.server.pending()

    def flip(self, arg):
        if self.wire:
            self.wire[(arg * self.seed) % len(self.wire)] ^= 0x08
            self.clean = False

    def close_notify(self, arg):
        try:
            self.client.obj.unwrap()
        except ssl.SSLWantReadError:
            pass
        self.wire += self.client.sent()
        self.clean = False  # reads end at it

    def write_eof(self, arg):
        self.sin.write(bytes(self.wire))
        self.wire.clear()
        self.sin.write_eof()
        self.over = True

    def steal(self, arg):
        if self.sin.read(self.size(arg)):
            self.clean = False

    def unwrap(self, arg):
        self.server.unwrap()

    OPS = (
        client_write,
        feed,
        read,
        read_into,
        server_write,
        pending,
        flip,
        close_notify,
        write_eof,
        steal,
        unwrap,
    )

    def run(self, program):
        for i in range(0, len(program) - 1, 2):
            op, arg = program[i] % len(self.OPS), program[i + 1]
            try:
                self.OPS[op](self, arg)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                if op in (2, 3):
                    return False
                raise
            if self.clean and not self.over:
                self.check()
        return True

    def check(self):
        assert self.sent.startswith(self.got), "read bytes the client never wrote"
        if not self.wire and len(self.got) < len(self.sent):
            assert self.sin.pending or self.server.pending(), "a byte fed became invisible"

    def drain(self):
        self.sin.write(bytes(self.wire))
        self.wire.clear()
        while self.sin.pending or self.server.pending():
            try:
                piece = self.server.read(1 << 18)
            except ssl.SSLWantReadError:
                break
            if not piece:
                break
            self.got += piece
        assert bytes(self.got) == bytes(self.sent), "plaintext was lost"


def fuzz(data):
    if len(data) < 2:
        return
    _stdlib_bio._TAKE = 100 if data[0] & 1 else TAKE
    try:
        run = Run(data[0] | 1)
        if run.run(data[1:]) and run.clean and not run.over:
            run.drain()
    finally:
        _stdlib_bio._TAKE = TAKE


if __name__ == "__main__":
    _harness.main(fuzz, "stdlib_bios")
