"""The asyncio protocol's data path (_ssl._AioPipe, csrc/aioproto.c), driven
call by call as asyncio and the application could drive it, with the
server's real records, corrupted ones, garbage, and the Python-level calls
that reach the same buffers (the incoming MemoryBIO, the receive buffer's
view) in between.

Each input byte after the first is an operation; some take the next byte
as their argument (see OPS).  Byte 0 seeds the sizes.  As long as nothing
corrupted the stream, what the pipe decrypted must be exactly a prefix of
what the server wrote, and after a final drain all of it; what the pipe
encrypted must decrypt at the server to what was written.
"""

import collections

import _harness
import _tls
from _harness import ssl

_ssl = ssl._ssl
SERVER = _tls.server_context()
CLIENT = _tls.client_context()
SIZES = (0, 1, 63, 64, 1000, 4096, 16384, 70000)


class Run:
    def __init__(self, seed):
        self.client, self.server = _tls.pair(SERVER, CLIENT)
        obj = self.client.obj
        self.pipe = _ssl._AioPipe(obj._sslobj, self.client.incoming, self.client.outgoing)
        self.kept = self.pipe.get_buffer(0)
        self.seed = seed
        self.wire = bytearray()  # server -> pipe, not yet fed
        self.sent = bytearray()  # plaintext the server wrote
        self.got = bytearray()  # plaintext the pipe decrypted
        self.wrote = bytearray()  # plaintext the pipe encrypted
        self.clean = True  # nothing corrupted or stole bytes
        self.failed = False  # a read raised: the stream is over
        self.closed = False  # the server sent close_notify

    def size(self, arg):
        return SIZES[arg & 7] + (arg >> 3) * self.seed

    def server_write(self, arg):
        data = bytes([arg]) * self.size(arg)
        if data and not self.closed:
            self.server.obj.write(data)
            self.sent += data
            self.wire += self.server.sent()

    def feed(self, arg, read_too=False):
        n = min(len(self.wire), self.size(arg) or 1)
        view = self.pipe.get_buffer(0)
        n = min(n, len(view))
        view[:n] = self.wire[:n]
        del self.wire[:n]
        if read_too:
            data, _ = self.pipe.feed_read(n)
            self.got += data
        else:
            self.pipe.feed(n)

    def read(self, arg):
        data, _ = self.pipe.read()
        self.got += data

    def read_into(self, arg):
        buf = bytearray(self.size(arg))
        count, _ = self.pipe.read_into(buf)
        self.got += buf[:count]

    def encrypt(self, arg):
        chunks = [bytes([arg]) * self.size(arg), b"x" * (arg & 15)]
        backlog = collections.deque(c for c in chunks if c)
        written, out = self.pipe.encrypt(backlog, arg & 1)
        if out is None:
            out = [self.pipe.take_outgoing()]
        self.to_server(out, b"".join(chunks)[:written])

    def encrypt_seq(self, arg):
        chunks = [b"y" * self.size(arg), bytearray(b"z" * (arg & 31))]
        out, index, offset = self.pipe.encrypt_seq(chunks)
        done = b"".join(bytes(c) for c in chunks[:index])
        if index < len(chunks):
            done += bytes(chunks[index][:offset])
        self.to_server(out, done)

    def to_server(self, out, plaintext):
        self.wrote += plaintext
        self.server.incoming.write(b"".join(out))
        got = bytearray()
        while True:
            try:
                piece = self.server.obj.read(1 << 20)
            except ssl.SSLWantReadError:
                break
            if not piece:
                break
            got += piece
        assert bytes(got) == bytes(plaintext), "the server decrypted other bytes"

    def flip(self, arg):
        if self.wire:
            self.wire[(arg * self.seed) % len(self.wire)] ^= 0x40
            self.clean = False

    def garbage(self, arg):
        self.wire += bytes([0x17, 0x03, 0x03, 0, arg]) + b"\xaa" * arg
        self.clean = False

    def python_write(self, arg):
        """Bytes put in the incoming BIO from Python, while it may hold
        the pipe's buffer lent."""
        n = min(len(self.wire), self.size(arg))
        self.client.incoming.write(bytes(self.wire[:n]))
        del self.wire[:n]

    def python_steal(self, arg):
        """Bytes taken back out of the incoming BIO from Python."""
        if self.client.incoming.read(self.size(arg)):
            self.clean = False

    def scribble(self, arg):
        """The application writes over the receive buffer.  Through a view
        from get_buffer(), which takes the buffer back from the incoming
        BIO first, that changes nothing that is read; through a view kept
        from earlier it may change the ciphertext waiting, never more."""
        view = self.pipe.get_buffer(0) if arg & 1 else self.kept
        if not arg & 1 and self.client.incoming.pending:
            self.clean = False
        view[: arg + 1] = bytes([arg]) * (arg + 1)

    def release_view(self, arg):
        """Releasing the view the pipe handed out must not let the
        receive buffer be resized under the incoming BIO."""
        view = self.pipe.get_buffer(0)
        buf = view.obj
        view.release()
        try:
            if arg & 1:
                buf.clear()
            else:
                buf.extend(b"more")
        except BufferError:
            pass
        else:
            raise AssertionError("the pipe's receive buffer was resized")

    def sweep(self, arg):
        self.pipe.sweep(bool(arg & 1))
        self.pipe.buffers_held()

    def close_notify(self, arg):
        if not self.closed:
            self.closed = True
            try:
                self.server.obj.unwrap()
            except ssl.SSLWantReadError:
                pass
            self.wire += self.server.sent()

    OPS = (
        server_write,
        feed,
        lambda self, arg: self.feed(arg, True),
        read,
        read_into,
        encrypt,
        encrypt_seq,
        flip,
        garbage,
        python_write,
        python_steal,
        scribble,
        release_view,
        sweep,
        close_notify,
    )

    def run(self, program):
        for i in range(0, len(program) - 1, 2):
            op, arg = program[i] % len(self.OPS), program[i + 1]
            try:
                self.OPS[op](self, arg)
            except ssl.SSLError:
                if op in (1, 2, 3, 4):
                    self.failed = True
                    return
                raise
            if self.clean:
                assert self.sent.startswith(self.got), "decrypted bytes the server never sent"

    def drain(self):
        """Everything left on the wire, fed and read: all the server wrote."""
        while self.wire:
            self.feed(255, True)
        data, _ = self.pipe.read()
        self.got += data
        assert bytes(self.got) == bytes(self.sent), "plaintext was lost"


def fuzz(data):
    if len(data) < 2:
        return
    run = Run(data[0] | 1)
    run.run(data[1:])
    if run.clean and not run.failed:
        run.drain()


if __name__ == "__main__":
    _harness.main(fuzz, "aio_pipe")
