#!/usr/bin/env python3
"""pyssl against the stdlib ssl, side by side, in one run.

Every repetition of every scenario runs each side in a fresh interpreter
(and, for the network scenarios, a fresh server process of the same side),
interleaving the sides (stdlib, pyssl, then pyssl, stdlib, ...) so that
drift in the load of a shared machine, and any order effect, hits both
alike. The table shows each side's median and
the speedup of pyssl over the stdlib, written so that higher is better
(throughput: pyssl/stdlib; time and memory: stdlib/pyssl). A plain C program
on the same OpenSSL (benchmarks/ceiling.c, built here with cc) gives the
ceiling for bulk transfer and handshakes.

    python3 benchmarks/run.py                      # everything, 5 repetitions
    python3 benchmarks/run.py --quick              # smaller sizes, 3 reps
    python3 benchmarks/run.py -s bulk_send -s ctx -r 7
    PYTHONPATH=/tmp/h10o python3 benchmarks/run.py # pyssl from a build dir
    python3 benchmarks/run.py -s startup --wheel dist/pyssl_core-*.whl
    PYPERFORMANCE_WHEEL=pyperformance-1.14.0-py3-none-any.whl \
        python3 benchmarks/run.py -s aio          # asyncio (needs uvloop, aiofastnet)

The startup scenario is the cost of the wheel's start-up hook
(pyssl-core.pth) to every program: `python -c pass` in a venv with the
wheel installed against the same in one without, run in turn.

Certificates come from trustme (ECDSA P-256 and RSA 2048); every server
listens on 127.0.0.1 only.
"""

import argparse
import gc
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHUNK = 64 * 1024
MiB = 1024 * 1024
HOST = "127.0.0.1"
TIMEOUT = 120.0
SERVERS = []  # server processes a worker started
NOTES = []  # lines printed under the table

# name: (what it measures, unit, higher_is_better, ceiling mode or None)
SCENARIOS = {
    "bulk_send": ("bulk send, sendall 64 KiB, TLS 1.3", "MB/s", True, "bulk"),
    # The ceiling's one transfer is both a send and a receive.
    "bulk_recv": ("bulk receive, recv_into 64 KiB, TLS 1.3", "MB/s", True, "bulk"),
    "hs_ecdsa": ("full handshakes, ECDSA P-256", "hs/s", True, "hs_ecdsa"),
    "hs_rsa": ("full handshakes, RSA 2048", "hs/s", True, "hs_rsa"),
    "resume12": ("resumed handshakes, TLS 1.2 session", "hs/s", True, None),
    "resume13": ("resumed handshakes, TLS 1.3 ticket", "hs/s", True, None),
    "memorybio": ("SSLObject pair over MemoryBIO, one thread", "MB/s", True, None),
    "asyncio": ("asyncio streams, 64 KiB reads", "MB/s", True, None),
    "pingpong": ("ping-pong, 64-byte messages", "rt/s", True, None),
    # asyncio on its default loop (issue 17): pyperformance's asyncio_tcp_ssl
    # (its benchmark code run as it is: 100 x 10 MiB over asyncio streams,
    # both ends in one loop) and a 256-byte request/response echo.  The
    # pyssl column is pyssl with its own protocol (pyssl.asyncio), or
    # pyssl under asyncio's SSLProtocol (_sslproto), or, as the anchors,
    # uvloop with the stdlib ssl (_uvloop) and aiofastnet 1.2's transports
    # (its install_policy(), on asyncio's loop) with the stdlib ssl
    # (_aiofastnet).  "-s aio" runs these and aio_idle.  Both
    # ends run in one process, so these are measured in its CPU time
    # (user + system): on a loaded machine wall time mostly measured the
    # other processes.
    "aio_bulk": ("asyncio_tcp_ssl: pyssl.asyncio", "MB/cpu-s", True, None),
    "aio_bulk_sslproto": ("asyncio_tcp_ssl: pyssl, asyncio's SSLProtocol", "MB/cpu-s", True, None),
    "aio_bulk_uvloop": ("asyncio_tcp_ssl: uvloop + stdlib ssl", "MB/cpu-s", True, None),
    "aio_bulk_aiofastnet": ("asyncio_tcp_ssl: aiofastnet + stdlib ssl", "MB/cpu-s", True, None),
    "aio_echo": ("256 B echo, asyncio streams: pyssl.asyncio", "rt/cpu-s", True, None),
    "aio_echo_sslproto": ("256 B echo: pyssl, asyncio's SSLProtocol", "rt/cpu-s", True, None),
    "aio_echo_uvloop": ("256 B echo: uvloop + stdlib ssl", "rt/cpu-s", True, None),
    "aio_echo_aiofastnet": ("256 B echo: aiofastnet + stdlib ssl", "rt/cpu-s", True, None),
    # Both ends of an idle asyncio TLS connection after one 1-byte exchange
    # (server and client in one process): RSS per connection pair.
    "aio_idle": ("asyncio idle connection pair (RSS): pyssl.asyncio", "KiB", False, None),
    # gh-123954: what an event loop pays for each read that finds nothing.
    "wantread": ("SSLObject.read() raising SSLWantReadError", "ns", False, None),
    # A non-blocking SSLSocket.send() on a socket whose buffers are full:
    # the failed send() is in both sides' figure (it is most of it).
    "wantwrite": ("SSLSocket.send() raising SSLWantWriteError", "ns", False, None),
    # One record through SSLObject over MemoryBIO, as an event loop moves
    # it: read = feed the record to the incoming BIO and read() it;
    # write = write() it and take it from the outgoing BIO.
    "rec_read64": ("SSLObject, read one 64 B record", "ns", False, None),
    "rec_read1k": ("SSLObject, read one 1 KiB record", "ns", False, None),
    "rec_read16k": ("SSLObject, read one 16 KiB record", "ns", False, None),
    "rec_write64": ("SSLObject, write one 64 B record", "ns", False, None),
    "rec_write1k": ("SSLObject, write one 1 KiB record", "ns", False, None),
    "rec_write16k": ("SSLObject, write one 16 KiB record", "ns", False, None),
    "ctx": ("create_default_context()", "ms", False, None),
    "idle_mem": ("idle client connection (RSS)", "KiB", False, None),
    # The same after one 1-byte request and response, as a keep-alive
    # client is once it has read its first reply (and the session tickets).
    "idle_used": ("idle client connection after one reply (RSS)", "KiB", False, None),
    "import": ("import (fresh interpreter, -X importtime)", "ms", False, None),
    # N threads, each driving both ends of its own SSLObject pair over
    # MemoryBIOs (the contexts are shared), all their work added up; "-s
    # threads" runs the four.  On a free-threaded build the 2-thread figure
    # over the 1-thread one is how the side scales on two cores (a note
    # under the table); under a GIL it stays near 1.
    "threads1_bulk": (
        "threads: 1 x SSLObject pair over MemoryBIO, bulk",
        "MB/s",
        True,
        "bulk-bio1",
    ),
    "threads2_bulk": (
        "threads: 2 x SSLObject pair over MemoryBIO, bulk",
        "MB/s",
        True,
        "bulk-bio2",
    ),
    "threads1_hs": (
        "threads: 1 x SSLObject pair, full handshakes (ECDSA)",
        "hs/s",
        True,
        "hs-bio1",
    ),
    "threads2_hs": (
        "threads: 2 x SSLObject pair, full handshakes (ECDSA)",
        "hs/s",
        True,
        "hs-bio2",
    ),
    # "stdlib" is a venv without pyssl's wheel, "pyssl" the same with it.
    "startup": ("`python -c pass` in a venv, without / with the wheel", "ms", False, None),
}

SIZES = {  # full run, --quick
    "bulk_bytes": (256 * MiB, 64 * MiB),
    "aio_bulk_chunk": (10 * MiB, 2 * MiB),  # pyperformance's CHUNK_SIZE: 10 MiB
    "aio_echo_rt": (20000, 5000),
    "aio_idle_conns": (1000, 200),
    "bio_bytes": (128 * MiB, 16 * MiB),
    "handshakes": (400, 60),
    "pingpong_s": (2.0, 0.5),
    "ctx_calls": (200, 40),
    "idle_conns": (10000, 1000),
    "import_runs": (20, 5),
    "wantread_calls": (1000000, 200000),
    "record_calls": (200000, 40000),
    "startup_runs": (200, 60),
}


# --------------------------------------------------------------------------
# Worker side: runs in a fresh interpreter, imports one side only
# --------------------------------------------------------------------------


def load_impl(impl, inject=False):
    """The side under test. inject: make `import ssl` give pyssl as well,
    before asyncio is imported, so its sslproto uses pyssl's MemoryBIO."""
    if impl == "pyssl":
        import pyssl as mod

        if inject:
            mod.inject_into_stdlib()
    else:
        import ssl as mod
    return mod


def client_ctx(ssl, certs, kind="ecdsa", version=None):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def server_ctx(ssl, certs, kind="ecdsa", version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, "server-%s.pem" % kind))
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def tls_version(ssl, scenario):
    if scenario in ("resume12",):
        return ssl.TLSVersion.TLSv1_2
    if scenario in (
        "bulk_send",
        "bulk_recv",
        "asyncio",
        "pingpong",
        "resume13",
        "idle_mem",
        "idle_used",
    ):
        return ssl.TLSVersion.TLSv1_3
    return None


def recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise ConnectionError("peer closed early")
        got += k
    return bytes(buf)


def drain(sock, total):
    """Reads total bytes with recv_into into one 64 KiB buffer."""
    buf = bytearray(CHUNK)
    left = total
    while left > 0:
        n = sock.recv_into(buf, min(CHUNK, left))
        if n == 0:
            raise ConnectionError("peer closed early")
        left -= n


def pour(sock, total):
    data = b"x" * CHUNK
    left = total
    while left > 0:
        sock.sendall(data if left >= CHUNK else data[:left])
        left -= CHUNK


# The server half of each network scenario: one per connection ------------


def serve_conn(ssl, scenario, conn, size):
    if scenario == "bulk_send":
        drain(conn, size)
        conn.sendall(b"k")
    elif scenario == "bulk_recv":
        recv_exact(conn, 1)
        pour(conn, size)
    elif scenario == "pingpong":
        while True:
            msg = conn.recv(64)
            if not msg:
                break
            conn.sendall(msg)
    elif scenario in ("resume12", "resume13", "hs_ecdsa", "hs_rsa"):
        conn.sendall(b"k")  # lets the TLS 1.3 ticket reach the client
        conn.recv(1)


def server_main(args):
    ssl = load_impl(args.impl)
    kind = "rsa" if args.scenario == "hs_rsa" else "ecdsa"
    ctx = server_ctx(ssl, args.certs, kind, tls_version(ssl, args.scenario))
    lsock = socket.create_server((HOST, 0), backlog=1024)
    print(lsock.getsockname()[1], flush=True)
    if args.scenario in ("idle_mem", "idle_used"):
        return hold_conns(ctx, lsock, args.size, answer=args.scenario == "idle_used")
    while True:
        raw, _ = lsock.accept()
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                serve_conn(ssl, args.scenario, conn, args.size)
        except (OSError, ConnectionError):
            pass
        if args.scenario in ("bulk_send", "bulk_recv", "pingpong"):
            return


def hold_conns(ctx, lsock, n, answer=False):
    raise_fd_limit(n + 100)
    held = []
    for _ in range(n):
        raw, _ = lsock.accept()
        # Without it each 1-byte answer waits out a delayed ACK, and 10,000
        # connections take an hour.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = ctx.wrap_socket(raw, server_side=True)
        if answer:
            conn.sendall(conn.recv(1))
        held.append(conn)
    lsock.accept()[0].recv(1)  # the client's "done" connection closes


def start_server(args, scenario, size):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--serve",
        scenario,
        "--impl",
        args.impl,
        "--certs",
        args.certs,
        "--size",
        str(size),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    SERVERS.append(proc)
    port = int(proc.stdout.readline())
    return proc, port


def connect(ctx, port, session=None):
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(raw, server_hostname="localhost", session=session)


# The client half, which is what is timed ---------------------------------


def run_bulk(ssl, args):
    size = args.size
    proc, port = start_server(args, args.scenario, size)
    ctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)
    with connect(ctx, port) as s:
        t0 = time.perf_counter()
        if args.scenario == "bulk_send":
            pour(s, size)
            recv_exact(s, 1)
        else:
            s.sendall(b"g")
            drain(s, size)
        dt = time.perf_counter() - t0
    proc.wait(TIMEOUT)
    return size / dt / 1e6


def one_handshake(ctx, port, session=None, want_session=False):
    """One connection; its session only if asked for: the stdlib's session
    getter copies the session through DER (a workaround for OpenSSL 1.1.0)
    and would otherwise be timed in full handshakes too."""
    with connect(ctx, port, session) as s:
        s.recv(1)
        sess = s.session if want_session else None
        s.sendall(b"k")
        return sess, s.session_reused


def run_handshakes(ssl, args):
    n = args.size
    version = tls_version(ssl, args.scenario)
    kind = "rsa" if args.scenario == "hs_rsa" else "ecdsa"
    proc, port = start_server(args, args.scenario, 0)
    ctx = client_ctx(ssl, args.certs, kind, version)
    resume = args.scenario.startswith("resume")
    # warm-up, and the first session
    session, _ = one_handshake(ctx, port, want_session=True)
    fresh_ticket = args.scenario == "resume13"
    t0 = time.perf_counter()
    for _ in range(n):
        sess, reused = one_handshake(
            ctx, port, session if resume else None, want_session=fresh_ticket
        )
        if resume and not reused:
            raise RuntimeError("session was not resumed")
        if resume and args.scenario == "resume13":
            session = sess  # TLS 1.3 tickets are single use by default
    dt = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    return n / dt


def run_pingpong(ssl, args):
    proc, port = start_server(args, "pingpong", 0)
    ctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)
    msg = b"p" * 64
    n = 0
    with connect(ctx, port) as s:
        recv = s.recv
        send = s.sendall
        t0 = time.perf_counter()
        deadline = t0 + args.size_f
        while True:
            for _ in range(100):
                send(msg)
                got = 0
                while got < 64:
                    got += len(recv(64 - got))
            n += 100
            if time.perf_counter() >= deadline:
                break
        dt = time.perf_counter() - t0
    proc.wait(TIMEOUT)
    return n / dt


def bio_handshake(ssl, cctx, sctx):
    """One full handshake between two fresh SSLObjects over MemoryBIOs;
    returns (client, server, client's outgoing BIO, server's incoming)."""
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_hostname="localhost")
    server = sctx.wrap_bio(sin, sout, server_side=True)
    for _ in range(20):
        done = 0
        for obj in (client, server):
            try:
                obj.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
            sin.write(cout.read())
            cin.write(sout.read())
        if done == 2:
            return client, server, cout, sin
    raise RuntimeError("MemoryBIO handshake did not finish")


def bio_pair(ssl, certs):
    return bio_handshake(ssl, client_ctx(ssl, certs), server_ctx(ssl, certs))


def bio_bulk(ssl, client, server, cout, sin, size):
    """size bytes from client to server, CHUNK at a time."""
    data = b"x" * CHUNK
    buf = bytearray(CHUNK)
    want = ssl.SSLWantReadError
    left = size
    while left > 0:
        client.write(data)
        sin.write(cout.read())
        try:
            while True:
                left -= server.read(CHUNK, buf)
        except want:
            pass


def run_memorybio(ssl, args):
    pair = bio_pair(ssl, args.certs)
    t0 = time.perf_counter()
    bio_bulk(ssl, *pair, size=args.size)
    dt = time.perf_counter() - t0
    return args.size / dt / 1e6


def run_threads(ssl, args):
    """threadsN_bulk / threadsN_hs: N threads start together, each with its
    own SSLObject pair (bulk: args.size bytes; hs: args.size handshakes);
    the result is the total over the wall time until the last is done."""
    import threading

    n = int(args.scenario[len("threads")])
    bulk = args.scenario.endswith("_bulk")
    cctx, sctx = client_ctx(ssl, args.certs), server_ctx(ssl, args.certs)
    pairs = [bio_pair(ssl, args.certs) for _ in range(n)] if bulk else []
    start = threading.Barrier(n + 1)
    errors = []

    def work(i):
        try:
            start.wait()
            if bulk:
                bio_bulk(ssl, *pairs[i], size=args.size)
            else:
                for _ in range(args.size):
                    bio_handshake(ssl, cctx, sctx)
        except Exception as exc:  # reported by the parent
            errors.append(repr(exc))

    bio_handshake(ssl, cctx, sctx)  # warm-up
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError("; ".join(errors))
    total = n * args.size
    return total / dt / 1e6 if bulk else total / dt


def run_wantwrite(ssl, args):
    """ns per non-blocking SSLSocket.send() that raises SSLWantWriteError:
    a socketpair whose reading end never reads, filled first."""
    import socket
    import threading

    cctx, sctx = client_ctx(ssl, args.certs), server_ctx(ssl, args.certs)
    a, b = socket.socketpair()
    server = sctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    t = threading.Thread(target=server.do_handshake)
    t.start()
    client = cctx.wrap_socket(a, server_hostname="localhost")
    t.join()
    client.setblocking(False)
    chunk = b"x" * 1024
    want = ssl.SSLWantWriteError
    try:
        while True:
            client.send(chunk)
    except want:
        pass
    n = args.size
    t0 = time.perf_counter()
    for _ in range(n):
        try:
            client.send(chunk)
        except want:
            pass
    dt = time.perf_counter() - t0
    client.close()
    server.close()
    return dt / n * 1e9


def run_wantread(ssl, args):
    """ns per SSLObject.read() on an empty incoming BIO, as an event loop
    calls it after the last record of a burst."""
    client, _, _, _ = bio_pair(ssl, args.certs)
    want = ssl.SSLWantReadError
    n = args.size
    t0 = time.perf_counter()
    for _ in range(n):
        try:
            client.read(CHUNK)
        except want:
            pass
    return (time.perf_counter() - t0) / n * 1e9


RECORD_SIZES = {"64": 64, "1k": 1024, "16k": 16384}


def record_size(scenario):
    """rec_read1k -> 1024."""
    for prefix in ("rec_read", "rec_write"):
        if scenario.startswith(prefix):
            return RECORD_SIZES[scenario[len(prefix) :]]
    raise ValueError(scenario)


def run_records(ssl, args):
    """ns per record through SSLObject over MemoryBIO. Reads: the records
    are made ahead in batches (untimed), then each is fed to the incoming
    BIO and read() once asking for 64 KiB, as an event loop does. Writes:
    write() then the outgoing BIO's read(), as a transport sends it."""
    client, server, cout, sin = bio_pair(ssl, args.certs)
    size = record_size(args.scenario)
    data = b"x" * size
    n = max(1, args.size if size < 16384 else args.size // 4)
    if "write" in args.scenario:
        t0 = time.perf_counter()
        for _ in range(n):
            client.write(data)
            cout.read()
        return (time.perf_counter() - t0) / n * 1e9
    batch, total, left = 1000, 0.0, n
    while left > 0:
        k = min(batch, left)
        records = []
        for _ in range(k):
            client.write(data)
            records.append(cout.read())
        feed, read = sin.write, server.read
        t0 = time.perf_counter()
        for rec in records:
            feed(rec)
            read(CHUNK)
        total += time.perf_counter() - t0
        left -= k
    return total / n * 1e9


def asyncio_server_main(args):
    ssl = load_impl(args.impl, inject=True)
    import asyncio

    ctx = server_ctx(ssl, args.certs, "ecdsa", ssl.TLSVersion.TLSv1_3)

    async def main():
        done = asyncio.Event()

        async def handle(reader, writer):
            await reader.readexactly(1)
            data = b"x" * CHUNK
            for _ in range(args.size // CHUNK):
                writer.write(data)
                await writer.drain()
            writer.close()
            done.set()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=ctx)
        print(srv.sockets[0].getsockname()[1], flush=True)
        await done.wait()
        await asyncio.sleep(0.2)
        srv.close()

    asyncio.run(main())


def run_asyncio(ssl, args):
    import asyncio

    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--serve-asyncio",
        "--impl",
        args.impl,
        "--certs",
        args.certs,
        "--size",
        str(args.size),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    SERVERS.append(proc)
    port = int(proc.stdout.readline())
    ctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)

    async def main():
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=ctx, server_hostname="localhost"
        )
        t0 = time.perf_counter()
        writer.write(b"g")
        left = args.size
        while left > 0:
            chunk = await reader.read(CHUNK)
            if not chunk:
                raise ConnectionError("server closed early")
            left -= len(chunk)
        dt = time.perf_counter() - t0
        writer.close()
        return dt

    dt = asyncio.run(main())
    proc.wait(TIMEOUT)
    return args.size / dt / 1e6


AIO = [
    "aio_bulk",
    "aio_bulk_sslproto",
    "aio_bulk_uvloop",
    "aio_bulk_aiofastnet",
    "aio_echo",
    "aio_echo_sslproto",
    "aio_echo_uvloop",
    "aio_echo_aiofastnet",
    "aio_idle",
]


def load_aio(impl, scenario):
    """The ssl module and loop of one aio_* side: the stdlib on asyncio's
    default loop, or the variant the scenario's name says."""
    if impl == "pyssl" and scenario.endswith("_uvloop"):
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return load_impl("stdlib")
    if impl == "pyssl" and scenario.endswith("_aiofastnet"):
        import aiofastnet

        aiofastnet.install_policy()
        return load_impl("stdlib")
    if impl == "pyssl" and scenario.endswith("_sslproto"):
        # Injecting installs pyssl.asyncio by default (3.11+): this side is
        # pyssl under asyncio's own protocol, as PYSSL_ASYNCIO=0 gives it.
        os.environ["PYSSL_ASYNCIO"] = "0"
    ssl = load_impl(impl, inject=True)
    import asyncio.sslproto

    ours = asyncio.sslproto.SSLProtocol.__module__ == "pyssl.asyncio"
    if impl == "pyssl" and not scenario.endswith("_sslproto"):
        import pyssl.asyncio

        if not pyssl.asyncio.install():
            raise RuntimeError("pyssl.asyncio.install() declined")
    elif ours:
        raise RuntimeError("%s/%s: pyssl.asyncio is installed" % (impl, scenario))
    return ssl


def pyperformance_bm_dir():
    """bm_asyncio_tcp from pyperformance: an installed one, or the wheel
    PYPERFORMANCE_WHEEL names, unpacked into a temporary directory."""
    wheel = os.environ.get("PYPERFORMANCE_WHEEL")
    if wheel:
        import zipfile

        out = tempfile.mkdtemp(prefix="pyssl-bm-")
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if "/bm_asyncio_tcp/" in name:
                    z.extract(name, out)
        found = [r for r, _, fs in os.walk(out) if "run_benchmark.py" in fs]
    else:
        import pyperformance

        root = os.path.join(os.path.dirname(pyperformance.__file__), "data-files")
        found = [os.path.join(root, "benchmarks", "bm_asyncio_tcp")]
    if not found:
        raise RuntimeError("no bm_asyncio_tcp in %s" % wheel)
    return found[0]


def load_bm_asyncio_tcp():
    """pyperformance's run_benchmark.py as a module; pyperf (which only its
    __main__ block uses) is stubbed if it is not installed."""
    import importlib.util
    import types

    if "pyperf" not in sys.modules:
        try:
            import pyperf  # noqa: F401
        except ImportError:
            stub = types.ModuleType("pyperf")
            stub.Runner = None
            sys.modules["pyperf"] = stub
    path = os.path.join(pyperformance_bm_dir(), "run_benchmark.py")
    spec = importlib.util.spec_from_file_location("bm_asyncio_tcp", path)
    bm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bm)
    return bm


def run_aio_bulk(ssl, args):
    import asyncio

    bm = load_bm_asyncio_tcp()
    bm.CHUNK_SIZE = args.size  # 10 MiB as published; smaller with --quick
    t0 = time.process_time()
    asyncio.run(bm.main(True))
    return bm.CHUNK_SIZE * 100 / (time.process_time() - t0) / 1e6


def run_aio_echo(ssl, args):
    import asyncio

    async def handle(reader, writer):
        while True:
            try:
                data = await reader.readexactly(256)
            except asyncio.IncompleteReadError:
                break
            writer.write(data)
        writer.close()

    async def main():
        sctx = server_ctx(ssl, args.certs, "ecdsa", ssl.TLSVersion.TLSv1_3)
        cctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)
        srv = await asyncio.start_server(handle, HOST, 0, ssl=sctx)
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=cctx, server_hostname="localhost"
        )
        msg = b"q" * 256
        for _ in range(100):  # warm up
            writer.write(msg)
            await reader.readexactly(256)
        t0 = time.process_time()
        for _ in range(args.size):
            writer.write(msg)
            await reader.readexactly(256)
        dt = time.process_time() - t0
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()
        return args.size / dt

    return asyncio.run(main())


def run_aio_idle(ssl, args):
    import asyncio

    n = min(args.size, (raise_fd_limit(2 * args.size + 100) - 100) // 2)

    async def handle(reader, writer):
        writer.write(await reader.readexactly(1))
        await reader.read()
        writer.close()

    async def main():
        sctx = server_ctx(ssl, args.certs, "ecdsa", ssl.TLSVersion.TLSv1_3)
        cctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)
        srv = await asyncio.start_server(handle, HOST, 0, ssl=sctx, backlog=n)
        port = srv.sockets[0].getsockname()[1]
        held = []

        async def open_one():
            reader, writer = await asyncio.open_connection(
                HOST, port, ssl=cctx, server_hostname="localhost"
            )
            writer.write(b"q")
            await reader.readexactly(1)
            held.append(writer)

        await open_one()  # the first one pays for lazy setup
        gc.collect()
        before = rss_bytes()
        for _ in range(n - 1):
            await open_one()
        await asyncio.sleep(0.2)  # the server ends settle too
        gc.collect()
        per_pair = (rss_bytes() - before) / (n - 1) / 1024
        for writer in held:
            writer.close()
        srv.close()
        return per_pair

    return asyncio.run(main())


def run_ctx(ssl, args):
    for _ in range(10):
        ssl.create_default_context()
    n = args.size
    t0 = time.perf_counter()
    for _ in range(n):
        ssl.create_default_context()
    return (time.perf_counter() - t0) / n * 1e3


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        want = n if hard == resource.RLIM_INFINITY else min(n, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def run_idle_mem(ssl, args):
    n = min(args.size, raise_fd_limit(args.size + 100) - 100)
    proc, port = start_server(args, args.scenario, n)
    ctx = client_ctx(ssl, args.certs, version=ssl.TLSVersion.TLSv1_3)
    used = args.scenario == "idle_used"

    def open_one():
        s = connect(ctx, port)
        if used:
            s.sendall(b"q")
            recv_exact(s, 1)
        return s

    held = [open_one()]  # the first one pays for lazy setup
    gc.collect()
    before = rss_bytes()
    for _ in range(n - 1):
        held.append(open_one())
    gc.collect()
    per_conn = (rss_bytes() - before) / (n - 1) / 1024
    socket.create_connection((HOST, port)).close()
    proc.wait(TIMEOUT)
    return per_conn


RUNNERS = {
    "bulk_send": run_bulk,
    "bulk_recv": run_bulk,
    "hs_ecdsa": run_handshakes,
    "hs_rsa": run_handshakes,
    "resume12": run_handshakes,
    "resume13": run_handshakes,
    "memorybio": run_memorybio,
    "asyncio": run_asyncio,
    "pingpong": run_pingpong,
    "wantread": run_wantread,
    "wantwrite": run_wantwrite,
    "ctx": run_ctx,
    "rec_read64": run_records,
    "rec_read1k": run_records,
    "rec_read16k": run_records,
    "rec_write64": run_records,
    "rec_write1k": run_records,
    "rec_write16k": run_records,
    "idle_mem": run_idle_mem,
    "idle_used": run_idle_mem,
    "threads1_bulk": run_threads,
    "threads2_bulk": run_threads,
    "threads1_hs": run_threads,
    "threads2_hs": run_threads,
}
RUNNERS.update({s: run_aio_bulk if "bulk" in s else run_aio_echo for s in AIO})
RUNNERS["aio_idle"] = run_aio_idle


def worker_main(args):
    if args.scenario in AIO:
        ssl = load_aio(args.impl, args.scenario)
    else:
        ssl = load_impl(args.impl, inject=args.scenario == "asyncio")
    args.size_f = float(args.size_f_raw)
    try:
        value = RUNNERS[args.scenario](ssl, args)
    finally:
        for proc in SERVERS:  # a failed client must not leave one behind
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print(json.dumps({"value": value}))


# --------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------


def make_certs(directory):
    # The free-threaded 3.13 has no trustme: tests/trustme_proxy.py gets
    # its certificates from PYSSL_TRUSTME_PYTHON.
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    import trustme_proxy

    trustme = trustme_proxy.load()
    ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
    ca.cert_pem.write_to_path(os.path.join(directory, "ca.pem"))
    for kind, key_type in (("ecdsa", trustme.KeyType.ECDSA), ("rsa", trustme.KeyType.RSA)):
        leaf = ca.issue_cert("localhost", key_type=key_type)
        leaf.private_key_and_cert_chain_pem.write_to_path(
            os.path.join(directory, "server-%s.pem" % kind)
        )


# Which SIZES entry sizes a scenario: the first of these its name starts
# with (so a new aio_* or rec_* variant needs no entry); handshakes if none.
SIZE_KEYS = (
    ("bulk_", "bulk_bytes"),
    ("asyncio", "bulk_bytes"),
    ("aio_bulk", "aio_bulk_chunk"),
    ("aio_echo", "aio_echo_rt"),
    ("aio_idle", "aio_idle_conns"),
    ("memorybio", "bio_bytes"),
    ("threads1_bulk", "bio_bytes"),
    ("threads2_bulk", "bio_bytes"),
    ("pingpong", "pingpong_s"),
    ("ctx", "ctx_calls"),
    ("idle_", "idle_conns"),
    ("import", "import_runs"),
    ("want", "wantread_calls"),
    ("startup", "startup_runs"),
    ("rec_", "record_calls"),
)


def size_for(scenario, quick):
    key = next((k for prefix, k in SIZE_KEYS if scenario.startswith(prefix)), "handshakes")
    return SIZES[key][1 if quick else 0]


def run_worker(impl, scenario, certs, size):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        scenario,
        "--impl",
        impl,
        "--certs",
        certs,
        "--size",
        str(int(size)),
        "--size-f",
        str(size),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT * 10)
    if out.returncode != 0:
        raise RuntimeError("%s/%s failed:\n%s" % (impl, scenario, out.stderr))
    return json.loads(out.stdout.splitlines()[-1])["value"]


def import_time(impl):
    """Cumulative microseconds -X importtime reports for the top import."""
    name = "pyssl" if impl == "pyssl" else "ssl"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import " + name],
        capture_output=True,
        text=True,
    )
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == name:
            return int(parts[1]) / 1000.0
    raise RuntimeError("no importtime line for %s:\n%s" % (name, out.stderr))


def precompile_pyssl():
    """Byte-compiles the pyssl under test, as pip does on install: the
    stdlib's ssl.py has its .pyc, and PYTHONDONTWRITEBYTECODE (set on some
    machines) would otherwise make every import of pyssl compile its
    sources again, which is most of its import time."""
    out = subprocess.run(
        [sys.executable, "-c", "import os, pyssl; print(os.path.dirname(pyssl.__file__))"],
        capture_output=True,
        text=True,
    )
    if out.returncode == 0:
        subprocess.run([sys.executable, "-m", "compileall", "-q", out.stdout.strip()])


def measure(impl, scenario, certs, size):
    if scenario == "import":
        return statistics.median(import_time(impl) for _ in range(int(size)))
    return run_worker(impl, scenario, certs, size)


def startup_venvs(args, tmp):
    """Two venvs made alike, one with pyssl's wheel installed (--wheel, or
    built from this checkout): their pythons, (without, with)."""
    wheel = args.wheel
    if wheel is None:
        out = os.path.join(tmp, "wheel")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "-w",
                out,
                os.path.dirname(HERE),
            ],
            check=True,
            timeout=TIMEOUT * 5,
        )
        wheel = os.path.join(out, os.listdir(out)[0])
    pythons = []
    for name in ("without", "with"):
        venv = os.path.join(tmp, "venv-" + name)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=TIMEOUT)
        pythons.append(os.path.join(venv, "bin", "python"))
    subprocess.run(
        [pythons[1], "-m", "pip", "install", "-q", "--no-deps", wheel], check=True, timeout=TIMEOUT
    )
    return pythons


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_startup(args, tmp):
    """`python -c pass` in each venv, in turn (A B B A ...): wall and CPU
    time of each run in ms. The CPU time (the child's user + system) is
    what the hook costs; the wall time also waits for the other programs
    on a shared machine. The table shows the wall times."""
    without, with_wheel = startup_venvs(args, tmp)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYSSL_INJECT")
    }
    res = {"stdlib": [], "pyssl": [], "ceiling": []}
    cpu = {"stdlib": [], "pyssl": []}
    runs = size_for("startup", args.quick)
    for i in range(runs):
        order = (("stdlib", without), ("pyssl", with_wheel))
        for side, python in order if i % 2 == 0 else order[::-1]:
            c0, t0 = children_cpu(), time.perf_counter()
            subprocess.run([python, "-c", "pass"], env=env, check=True, timeout=TIMEOUT)
            res[side].append((time.perf_counter() - t0) * 1e3)
            cpu[side].append((children_cpu() - c0) * 1e3)
    med = statistics.median
    for what, times in (("wall", res), ("cpu", cpu)):
        a, b = times["stdlib"], times["pyssl"]
        NOTES.append(
            "startup %s, %d runs each: without the wheel min %.2f median %.2f "
            "ms, with it min %.2f median %.2f ms; the hook adds %+.2f ms "
            "(medians), %+.2f ms (median of run-by-run differences)"
            % (
                what,
                runs,
                min(a),
                med(a),
                min(b),
                med(b),
                med(b) - med(a),
                med([y - x for x, y in zip(a, b)]),
            )
        )
    return res


def build_ceiling(tmp):
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        return None
    exe = os.path.join(tmp, "ceiling")
    cmd = [cc, "-O2", "-o", exe, os.path.join(HERE, "ceiling.c"), "-lssl", "-lcrypto"]
    prefix = os.environ.get("PYSSL_OPENSSL_DIR")
    if prefix:
        cmd[1:1] = [
            "-I",
            os.path.join(prefix, "include"),
            "-L",
            os.path.join(prefix, "lib"),
            "-Wl,-rpath," + os.path.join(prefix, "lib"),
        ]
    if subprocess.run(cmd).returncode != 0:
        return None
    return exe


def run_ceiling(exe, mode, certs, size):
    kind = "rsa" if mode == "hs_rsa" else "ecdsa"
    if "-bio" not in mode:  # threads over memory BIOs: as named
        mode = "bulk" if mode == "bulk" else "hs"
    out = subprocess.run(
        [
            exe,
            mode,
            os.path.join(certs, "ca.pem"),
            os.path.join(certs, "server-%s.pem" % kind),
            str(int(size)),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 5,
    )
    if out.returncode != 0:
        raise RuntimeError("ceiling %s failed:\n%s" % (mode, out.stderr))
    return float(out.stdout.split()[-1])


def fmt(v):
    if v is None:
        return ""
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.3g" % v


def run_scenario(args, scenario, certs, ceiling):
    size = size_for(scenario, args.quick)
    res = {"stdlib": [], "pyssl": [], "ceiling": []}
    _, _, _, ceil_mode = SCENARIOS[scenario]
    for rep in range(args.reps):
        # A B B A A B...: neither side always runs right after the other
        # (or after the ceiling), so order effects cancel in the medians.
        order = ("stdlib", "pyssl") if rep % 2 == 0 else ("pyssl", "stdlib")
        for impl in order:
            res[impl].append(measure(impl, scenario, certs, size))
        if ceiling and ceil_mode:
            res["ceiling"].append(run_ceiling(ceiling, ceil_mode, certs, size))
        print(
            "  %s rep %d: stdlib %s, pyssl %s"
            % (scenario, rep + 1, fmt(res["stdlib"][-1]), fmt(res["pyssl"][-1])),
            file=sys.stderr,
            flush=True,
        )
    return res


def table_row(scenario, res):
    what, unit, higher, _ = SCENARIOS[scenario]
    a = statistics.median(res["stdlib"])
    b = statistics.median(res["pyssl"])
    speedup = b / a if higher else a / b
    ceil = statistics.median(res["ceiling"]) if res["ceiling"] else None
    of_ceil = "%.2f" % (b / ceil) if ceil else ""
    return "| %s | %s | %s | %s | **%.2fx** | %s | %s |" % (
        what,
        unit,
        fmt(a),
        fmt(b),
        speedup,
        fmt(ceil),
        of_ceil,
    )


THREADS = ["threads1_bulk", "threads2_bulk", "threads1_hs", "threads2_hs"]


def threads_notes(results):
    """The 2-thread over 1-thread ratio of each side, bulk and handshakes."""
    for what in ("bulk", "hs"):
        one, two = results.get("threads1_" + what), results.get("threads2_" + what)
        if not one or not two:
            continue
        med = statistics.median
        note = "threads, %s: 2 threads / 1 thread = %.2fx with the stdlib, %.2fx with pyssl" % (
            "bulk" if what == "bulk" else "full handshakes",
            med(two["stdlib"]) / med(one["stdlib"]),
            med(two["pyssl"]) / med(one["pyssl"]),
        )
        if one["ceiling"] and two["ceiling"]:
            # The same handshakes in C on the same OpenSSL: what the
            # library itself lets two threads reach.
            note += ", %.2fx in C" % (med(two["ceiling"]) / med(one["ceiling"]))
        NOTES.append(note + " (medians)")


def parent_main(args):
    chosen = []
    for s in args.scenario or list(SCENARIOS):
        chosen += THREADS if s == "threads" else AIO if s == "aio" else [s]
    for s in chosen:
        if s not in SCENARIOS:
            sys.exit("unknown scenario %r; known: %s" % (s, ", ".join(SCENARIOS)))
    tmp = tempfile.mkdtemp(prefix="pyssl-bench-")
    try:
        make_certs(tmp)
        precompile_pyssl()
        ceiling = None if args.no_ceiling else build_ceiling(tmp)
        rows, results = [], {}
        for s in chosen:
            print("%s ..." % s, file=sys.stderr, flush=True)
            if s == "startup":
                res = run_startup(args, tmp)
            else:
                res = run_scenario(args, s, tmp, ceiling)
            results[s] = res
            rows.append(table_row(s, res))
        threads_notes(results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(args, rows)


def print_table(args, rows):
    import platform
    import ssl

    out = subprocess.run(
        [sys.executable, "-c", "import pyssl; print(pyssl.OPENSSL_VERSION, pyssl.__file__)"],
        capture_output=True,
        text=True,
    )
    print(
        "%d repetitions, medians; Python %s; stdlib on %s; pyssl on %s; "
        "load average at the end %s"
        % (
            args.reps,
            platform.python_version(),
            ssl.OPENSSL_VERSION,
            out.stdout.strip(),
            ", ".join("%.2f" % x for x in os.getloadavg()),
        )
    )
    print()
    print(
        "| scenario | unit | stdlib | pyssl | speedup (higher is better) "
        "| C ceiling | pyssl/ceiling |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    if NOTES:
        print()
    for note in NOTES:
        print(note)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "-s",
        "--scenario",
        action="append",
        help="run only this scenario (repeatable; threads: "
        "the four threads* ones): " + ", ".join(SCENARIOS),
    )
    p.add_argument(
        "-r", "--reps", type=int, default=None, help="repetitions per side (default 5, --quick 3)"
    )
    p.add_argument(
        "--quick", action="store_true", help="smaller transfers and counts, 3 repetitions"
    )
    p.add_argument("--no-ceiling", action="store_true", help="skip the C ceiling (no cc needed)")
    p.add_argument(
        "--wheel",
        help="pyssl's wheel for the startup scenario (default: "
        "one built from this checkout with pip)",
    )
    # internal: the worker and server processes
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--serve", help=argparse.SUPPRESS)
    p.add_argument("--serve-asyncio", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--impl", help=argparse.SUPPRESS)
    p.add_argument("--certs", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--size-f", dest="size_f_raw", default="0", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        args.scenario = args.worker
        return worker_main(args)
    if args.serve:
        args.scenario = args.serve
        return server_main(args)
    if args.serve_asyncio:
        return asyncio_server_main(args)
    return parent_main(args)


if __name__ == "__main__":
    main()
