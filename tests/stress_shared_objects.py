"""One SSLObject, or one set of sessions, used by several threads at once.

    python tests/stress_shared_objects.py MODULE SCENARIO SECONDS

MODULE is pyssl or ssl. SCENARIO is one of:

  sslobject  one client SSLObject and its two MemoryBIOs shared by threads:
             a writer sends a known byte stream with write() and moves what
             the outgoing BIO holds to the server; a reader read()s the echo
             and checks it byte for byte; the server's thread echoes and
             feeds the client's incoming BIO; a fourth thread keeps calling
             the getters (pending, cipher, version, getpeercert, session,
             the BIOs' pending and eof).
  sessions   threads hand-shake clients over MemoryBIO, each resuming a
             session another thread's connection got, and read the shared
             SSLSession objects' attributes meanwhile; TLS 1.2 and 1.3.

Prints one line of JSON with the counts and exits 0 when all was well, 1
on any error; a crash kills the process with a signal (tests/
test_threads.py runs it in a child process). Every wait is bounded.
"""

import faulthandler
import importlib
import json
import os
import random
import sys
import tempfile
import threading
import time
import traceback

BOUND = 30.0  # seconds any one wait may take before the run counts as hung
PERIOD = 65521  # the stream repeats with a prime period
WINDOW = 1 << 20  # bytes the writer may be ahead of the reader
SESSION_THREADS = 4


class Run(object):
    def __init__(self, ssl, certdir, seconds):
        import trustme_proxy

        trustme = trustme_proxy.load()
        self.ssl = ssl
        self.seconds = seconds
        self.deadline = None  # set by start(), once the setup is done
        self.errors = []
        self.lock = threading.Lock()
        self.counts = {}
        ca = trustme.CA()
        leaf = ca.issue_cert("localhost")
        cafile = os.path.join(certdir, "ca.pem")
        pemfile = os.path.join(certdir, "server.pem")
        with open(cafile, "wb") as f:
            f.write(ca.cert_pem.bytes())
        with open(pemfile, "wb") as f:
            f.write(leaf.private_key_and_cert_chain_pem.bytes())
        self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_ctx.load_cert_chain(pemfile)
        self.client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client_ctx.load_verify_locations(cafile=cafile)

    def start(self):
        self.deadline = time.monotonic() + self.seconds

    def running(self):
        return not self.errors and time.monotonic() < self.deadline

    def until(self, done):
        """Running, or past the time but not yet done() (a loaded machine
        may not get there in time), within BOUND."""
        if self.errors:
            return False
        now = time.monotonic()
        return now < self.deadline or (not done() and now < self.deadline + BOUND)

    def fail(self, what):
        with self.lock:
            if len(self.errors) < 3:
                self.errors.append(what)

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def guarded(self, fn):
        def run():
            try:
                fn()
            except Exception:
                self.fail(traceback.format_exc())

        return run

    def pair(self, client_ctx=None, session=None):
        ssl = self.ssl
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c_in, c_out, s_in, s_out = bios
        client = (client_ctx or self.client_ctx).wrap_bio(
            c_in, c_out, server_hostname="localhost", session=session
        )
        server = self.server_ctx.wrap_bio(s_in, s_out, server_side=True)
        return client, server, bios

    def handshake(self, client, server, bios):
        c_in, c_out, s_in, s_out = bios
        done = [False, False]
        for _ in range(50):
            for i, obj in enumerate((client, server)):
                if not done[i]:
                    try:
                        obj.do_handshake()
                        done[i] = True
                    except self.ssl.SSLWantReadError:
                        pass
            s_in.write(c_out.read())
            c_in.write(s_out.read())
            if all(done):
                return
        raise AssertionError("handshake did not finish in 50 rounds")

    # -- one SSLObject, four threads --------------------------------------

    def sslobject(self):
        ssl = self.ssl
        client, server, bios = self.pair()
        c_in, c_out, s_in, s_out = bios
        self.handshake(client, server, bios)
        rnd = random.Random(int.from_bytes(os.urandom(4), "big"))
        block = bytes(rnd.getrandbits(8) for _ in range(PERIOD))
        stream = block * ((WINDOW + (1 << 16)) // PERIOD + 3)
        state = {"sent": 0, "got": 0}
        s_lock = threading.Lock()  # the server's SSLObject is one thread's
        done = threading.Event()

        def pump_to_server():
            # Read and forwarded in one step: two threads pump, and records
            # must reach the server in the order the client made them.
            with s_lock:
                data = c_out.read()
                if data:
                    s_in.write(data)

        def writer():
            sizes = [1, 100, 4096, 16384, 16385, 65536]
            while self.until(lambda: state["got"] > 0):
                if state["sent"] - state["got"] > WINDOW:
                    pump_to_server()
                    time.sleep(0.0005)
                    continue
                off = state["sent"] % PERIOD
                n = rnd.choice(sizes)
                sent = client.write(stream[off : off + n])
                state["sent"] += sent
                pump_to_server()
            done.set()

        def echo():
            while not (done.is_set() and state["got"] >= state["sent"]):
                if time.monotonic() > self.deadline + BOUND:
                    raise AssertionError("echo: stream stalled")
                with s_lock:
                    try:
                        data = server.read(1 << 17)
                    except ssl.SSLWantReadError:
                        data = b""
                    if data:
                        server.write(data)
                    out = s_out.read()
                if out:
                    c_in.write(out)
                elif not data:
                    pump_to_server()
                    time.sleep(0.0002)

        def reader():
            sizes = [1, 5, 100, 4096, 16384, 16385, 1 << 17]
            while not (done.is_set() and state["got"] >= state["sent"]):
                if time.monotonic() > self.deadline + BOUND:
                    raise AssertionError(
                        "reader: stream stalled at %d of %d" % (state["got"], state["sent"])
                    )
                try:
                    data = client.read(rnd.choice(sizes))
                except ssl.SSLWantReadError:
                    time.sleep(0.0002)
                    continue
                if not data:
                    raise AssertionError("false end of stream")
                off = state["got"] % PERIOD
                if data != stream[off : off + len(data)]:
                    raise AssertionError("wrong bytes at offset %d" % state["got"])
                state["got"] += len(data)

        def getters():
            while not done.is_set():
                client.pending()
                client.cipher()
                client.version()
                client.getpeercert()
                client.session
                client.context
                c_in.pending, c_out.pending, c_in.eof
                self.count("getter_rounds")

        threads = [
            threading.Thread(target=self.guarded(f), daemon=True)
            for f in (writer, echo, reader, getters)
        ]
        for t in threads:
            t.start()
        self.join(threads)
        done.set()
        self.count("bytes", state["got"])

    # -- shared sessions ---------------------------------------------------

    def sessions(self):
        ssl = self.ssl
        clients = {}
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(cadata=self.client_ctx.get_ca_certs(binary_form=True)[0])
            ctx.maximum_version = version
            clients[version] = ctx
        pool = {v: [] for v in clients}

        def worker(seed):
            rnd = random.Random(seed)
            while self.until(lambda: self.counts.get("resumed")):
                version = rnd.choice(sorted(clients))
                ctx, shared = clients[version], pool[version]
                with self.lock:
                    session = rnd.choice(shared) if shared else None
                client, server, bios = self.pair(ctx, session)
                self.handshake(client, server, bios)
                # TLS 1.3 tickets come after the handshake: read them.
                try:
                    client.read(1)
                except ssl.SSLWantReadError:
                    pass
                if session is not None:
                    self.count("resumed" if client.session_reused else "not_resumed")
                new = client.session
                if new is not None:
                    new.id, new.time, new.timeout, new.has_ticket
                    new.ticket_lifetime_hint
                    new == session
                    with self.lock:
                        shared.append(new)
                        del shared[:-8]
                self.count("handshakes")

        threads = [
            threading.Thread(target=self.guarded(lambda s=s: worker(s)), daemon=True)
            for s in range(SESSION_THREADS)
        ]
        for t in threads:
            t.start()
        self.join(threads)
        if not self.counts.get("resumed"):
            self.fail("no session was resumed: %r" % (self.counts,))

    def join(self, threads):
        for t in threads:
            t.join(max(0.0, self.deadline - time.monotonic()) + 2 * BOUND)
            if t.is_alive():
                self.fail("a thread did not stop in time")
                faulthandler.dump_traceback(all_threads=True)
                return


def main(argv):
    module, scenario, seconds = argv[0], argv[1], float(argv[2])
    if scenario not in ("sslobject", "sessions"):
        sys.exit("unknown scenario %r" % scenario)
    faulthandler.enable()
    ssl = importlib.import_module(module)
    with tempfile.TemporaryDirectory() as directory:
        run = Run(ssl, directory, seconds)
        run.start()
        getattr(run, scenario)()
    print(
        json.dumps(
            {"module": module, "scenario": scenario, "counts": run.counts, "errors": run.errors}
        )
    )
    sys.stdout.flush()
    os._exit(1 if run.errors else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
