"""pyssl's asyncio TLS protocol: asyncio's state machine over a C data path.

asyncio's default loops wrap every TLS connection in
``asyncio.sslproto.SSLProtocol``, which moves each chunk through an
SSLObject and two MemoryBIOs with several Python calls and copies.
``install()`` replaces that class, for the loops asyncio ships with, by a
subclass whose data path is pyssl's ``_ssl._AioPipe`` (csrc/aioproto.c): a
received chunk is lent to the incoming BIO (not copied) and all of its
records decrypted into one bytes object in one C call; a write with
nothing queued or paused is encrypted and sent at once, without asyncio's
backlog; a ``BufferedProtocol`` application gets the plaintext decrypted
straight into its own buffer.  While the connection is up, the pipe also
stands in for the Python methods around those calls
(csrc/aiotransport.c): it reads the socket for the selector loop's socket
transport (as its ``_read_ready_cb``) and takes the application's writes
(as its transport's ``write``), and calls asyncio's own methods in any
other state.  A connection busy for a second or two keeps OpenSSL's
record buffers from one record to the next, and gives them back when it
has been quiet for a second (``_Sweep``: a timerfd each loop watches, on
Linux).  Everything else
(handshake and its timeout, close_notify and its timeout, flow control,
the application transport) is asyncio's own code, so the behaviour is
that of the asyncio in use, but for one deliberate difference: plaintext
that arrived in the same chunk as a bad record, ahead of it, reaches the
application before the record's error does.  asyncio's own read loop
drops it when both come in one chunk and delivers it when they come in
two; here it is delivered either way, as a socket's recv() returns it
before raising.  A reply written meanwhile raises the bad record's error.

Only connections whose context is pyssl's take the C path (the pipe needs
pyssl's SSLObject core); any other context gets asyncio's code unchanged.
Where pyssl was installed but not injected, asyncio.sslproto makes the
stdlib's MemoryBIOs: such a connection is moved onto pyssl's own pair
before anything goes through them (_stdlib_bio.own_bios), and its errors
are the classes that derive from both modules' SSLErrors, as over the
stdlib's BIOs.

The hook is checked before it is made: asyncio 3.11+ (the SSLProtocol that
came from uvloop) with the private methods and constructor this subclass
relies on.  Anything else (3.8-3.10, a future rewrite) leaves asyncio's
protocol in place with one RuntimeWarning, and ``install()`` returns False.

On by default where pyssl is switched in (``inject_into_stdlib``, so also
``python -m pyssl run`` and ``PYSSL_INJECT=1``) on 3.11+: the hook is made
when asyncio.sslproto is first imported (injecting does not import asyncio),
or at once if it already is.  ``PYSSL_ASYNCIO=0`` keeps asyncio's own
protocol; ``PYSSL_ASYNCIO=1`` asks for it where the default would not (before
3.11 it then says, with the warning, why it cannot).  ``extract_from_stdlib``
takes back what injecting installed.  A program that imports pyssl by name
uses ``install()`` / ``uninstall()`` or the context manager ``installed()``.
"""

import os
import sys
import threading
import warnings
import weakref

__all__ = ["install", "uninstall", "installed", "is_installed"]

# What the subclass overrides or reads from asyncio's SSLProtocol.
_METHODS = (
    "__init__",
    "_write_appdata",
    "_process_outgoing",
    "_control_ssl_reading",
    "_fatal_error",
    "buffer_updated",
    "get_buffer",
    "_do_handshake",
    "_do_flush",
    "_do_shutdown",
    "_do_read",
    "_do_read__copied",
    "_do_read__buffered",
    "_do_write",
    "_call_eof_received",
    "_start_shutdown",
    "_control_app_writing",
    "_get_read_buffer_size",
)
_INIT_PARAMS = (
    "self",
    "loop",
    "app_protocol",
    "sslcontext",
    "waiter",
    "server_side",
    "server_hostname",
    "call_connection_made",
    "ssl_handshake_timeout",
    "ssl_shutdown_timeout",
)
_STATES = ("UNWRAPPED", "DO_HANDSHAKE", "WRAPPED", "FLUSHING", "SHUTDOWN")

_lock = threading.RLock()
_installed = None  # (module, the class replaced) while installed
_warned = False
_protocol_class = None
_by_inject = False  # installed by _on_inject(): _on_extract() uninstalls
_hook = None  # the armed _AfterImport, if any


def _mismatch(sslproto):
    """Why asyncio's SSLProtocol cannot be hooked, or None if it can."""
    import inspect  # here, not at the top: injecting must stay cheap

    cls = getattr(sslproto, "SSLProtocol", None)
    if not isinstance(cls, type):
        return "asyncio.sslproto.SSLProtocol is not a class"
    if cls.__module__ != sslproto.__name__:
        # Another library's replacement: extending it is not ours to do.
        return "asyncio.sslproto.SSLProtocol is %s.%s, not asyncio's" % (
            cls.__module__,
            cls.__qualname__,
        )
    states = getattr(sslproto, "SSLProtocolState", None)
    if states is None or any(not hasattr(states, s) for s in _STATES):
        return "asyncio.sslproto has no SSLProtocolState (asyncio before 3.11)"
    for name in _METHODS:
        if not callable(getattr(cls, name, None)):
            return "asyncio.sslproto.SSLProtocol has no %s()" % name
    try:
        params = tuple(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return "the signature of SSLProtocol.__init__ cannot be read"
    if params != _INIT_PARAMS:
        return "SSLProtocol.__init__%s is not the one expected" % (params,)
    return None


_socket_transport = None  # see _socket_transport_class()


def _socket_transport_class():
    """The selector loop's socket transport class, if it has what the pipe's
    read_ready stands in for, else False.  Looked up at the first
    connection, not when the hook is made: asyncio.sslproto is imported
    while asyncio itself is half-imported."""
    global _socket_transport
    if _socket_transport is None:
        module = sys.modules.get("asyncio.selector_events")
        cls = getattr(module, "_SelectorSocketTransport", None)
        needs = ("_read_ready", "_read_ready__get_buffer", "_read_ready__on_eof", "_fatal_error")
        if not isinstance(cls, type) or any(not callable(getattr(cls, n, None)) for n in needs):
            cls = False
        _socket_transport = cls
    return _socket_transport


def _ssl_module():
    from . import _ssl

    return _ssl


_SWEEP_SECONDS = 1.0
_sweeps = weakref.WeakKeyDictionary()  # event loop -> its _Sweep


class _Sweep(object):
    """One per event loop, while it has connections on the C data path: a
    timerfd the loop watches wakes it once a second, and each connection's
    pipe is swept (_AioPipe.sweep, pyssl_socket_sweep_buffers in
    csrc/socket.c).  A connection that was busy in this second and the
    one before keeps OpenSSL's record buffers from one record to the next,
    until a quiet second gives them back; any other frees them at every
    read that finds nothing, as without the sweep, which for a busy
    request/response connection meant on every exchange.  Where there is
    no timerfd (not Linux), or the loop cannot watch one, every connection
    frees them that way."""

    def __init__(self, fd):
        self._fd = fd
        self._pipes = set()
        # If the loop goes without its connections being lost.
        self._close = weakref.finalize(self, os.close, fd)

    @classmethod
    def add(cls, loop, pipe):
        with _lock:  # loops in several threads share _sweeps
            sweep = _sweeps.get(loop)
            if sweep is None:
                sweep = cls._start(loop)
                if sweep is None:
                    return
                _sweeps[loop] = sweep
            sweep._pipes.add(pipe)

    @classmethod
    def _start(cls, loop):
        timer = getattr(_ssl_module(), "_aio_sweep_timer", None)
        if timer is None:
            return None
        # The sweep only saves work: without it (no descriptor left, a
        # loop that cannot watch one) buffers go back at idle reads.
        try:
            sweep = cls(timer(_SWEEP_SECONDS))
        except OSError:
            return None
        try:
            loop.add_reader(sweep._fd, sweep._run)
        except Exception:
            sweep._close()
            return None
        return sweep

    @staticmethod
    def remove(loop, pipe):
        pipe.sweep(True)
        with _lock:
            sweep = _sweeps.get(loop)
            if sweep is None:
                return
            sweep._pipes.discard(pipe)
            if not sweep._pipes:
                del _sweeps[loop]
                if not loop.is_closed():
                    loop.remove_reader(sweep._fd)
                sweep._close()

    def _run(self):
        if not self._pipes:
            return  # closed in this same turn of the loop: the fd is gone
        try:
            os.read(self._fd, 8)
        except BlockingIOError:
            return
        for pipe in list(self._pipes):
            pipe.sweep(False)


def _make_class(base, sslproto):
    """The subclass of asyncio's SSLProtocol with the C data path."""
    import socket

    from . import _ssl, _stdlib_bio

    State = sslproto.SSLProtocolState
    WRAPPED = State.WRAPPED
    DO_HANDSHAKE = State.DO_HANDSHAKE
    FLUSHING = State.FLUSHING
    SHUTDOWN = State.SHUTDOWN
    Pipe = _ssl._AioPipe
    Shuttle = _ssl._Shuttle
    app_transport = getattr(sslproto, "_SSLProtocolTransport", None)
    app_write_hook = isinstance(app_transport, type) and callable(
        getattr(app_transport, "write", None)
    )
    EOF = _ssl._AIOPIPE_EOF
    FAILED = _ssl._AIOPIPE_FAILED
    OUTGOING = _ssl._AIOPIPE_OUTGOING
    INCOMING = _ssl._AIOPIPE_INCOMING

    class SSLProtocol(base):
        __doc__ = base.__doc__
        _pyssl_pipe = None
        _pyssl_bridges = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            core = getattr(self._sslobj, "_sslobj", None)
            if type(core) is Shuttle:
                # asyncio.sslproto is bound to the stdlib's ssl (pyssl was
                # installed, not injected), so it made the stdlib's
                # MemoryBIOs; the pipe needs pyssl's.
                own = _stdlib_bio.own_bios(self._sslobj, self._incoming, self._outgoing)
                if own is None:
                    return
                core, self._incoming, self._outgoing, self._pyssl_bridges = own
            try:
                pipe = Pipe(core, self._incoming, self._outgoing)
            except TypeError:
                return  # not pyssl's context: asyncio's own data path
            self._pyssl_pipe = pipe
            pipe.link(self, WRAPPED)
            # One receive buffer, the pipe's: asyncio's own code (and a
            # BufferedProtocol transport) sees the same one.
            self._ssl_buffer_view = pipe.get_buffer(0)
            self._ssl_buffer = self._ssl_buffer_view.obj
            self.get_buffer = pipe.get_buffer
            if app_write_hook:
                # The application's writes go to the pipe's write(), which
                # calls _write_appdata itself whenever it cannot send now.
                self._app_transport.write = pipe.write

        def connection_made(self, transport):
            super().connection_made(transport)
            pipe = self._pyssl_pipe
            if (
                pipe is not None
                and type(transport) is _socket_transport_class()
                and transport._read_ready_cb == transport._read_ready__get_buffer
            ):
                # Chunks received while the connection is up go straight
                # to the pipe (see csrc/aiotransport.c, read_ready); in any
                # other state it calls _read_ready__get_buffer as before.
                transport._read_ready_cb = pipe.read_ready
                if type(transport._sock) is socket.socket:
                    pipe.set_fd(transport._sock_fd)
            if pipe is not None:
                _Sweep.add(self._loop, pipe)

        def connection_lost(self, exc):
            # Give both transports their own methods back: the pipe keeps
            # the connection's SSL object (and its context) alive, and an
            # application may keep its transport long after this.
            pipe = self._pyssl_pipe
            if pipe is not None:
                app = self._app_transport
                if app is not None:
                    vars(app).pop("write", None)
                transport = self._transport
                if transport is not None and transport._read_ready_cb == pipe.read_ready:
                    transport._read_ready_cb = transport._read_ready__get_buffer
                _Sweep.remove(self._loop, pipe)
            super().connection_lost(exc)

        def _fatal_error(self, exc, *args, **kwargs):
            # The pipe's errors go to the application from here: over what
            # were the stdlib's BIOs they are the bridged classes, as the
            # SSLObject's own are (the except clauses of code written for
            # the stdlib's ssl name its classes).
            if self._pyssl_bridges is not None:
                exc = _stdlib_bio.bridge(exc, self._pyssl_bridges)
            return super()._fatal_error(exc, *args, **kwargs)

        def buffer_updated(self, nbytes):
            pipe = self._pyssl_pipe
            if pipe is None:
                return super().buffer_updated(nbytes)
            state = self._state
            if (
                state is WRAPPED
                and not self._app_reading_paused
                and not self._app_protocol_is_buffer
            ):
                # What _do_read() does, in one C call, which calls
                # _pyssl_tail only when the pipe or the flow control say so.
                try:
                    pipe.deliver(nbytes)
                except Exception as ex:
                    self._fatal_error(ex, "Fatal error on SSL protocol")
                return
            pipe.feed(nbytes)
            if state is WRAPPED:
                self._do_read()
            elif state is DO_HANDSHAKE:
                self._do_handshake()
            elif state is FLUSHING:
                self._do_flush()
            elif state is SHUTDOWN:
                self._do_shutdown()

        def _pyssl_tail(self, flags):
            """What follows the plaintext of a chunk (deliver() in
            csrc/aiotransport.c calls this only when there is something)."""
            if flags & (EOF | FAILED):
                self._pyssl_deliver(None, flags)
            if self._write_backlog:
                self._do_write()
            elif flags & OUTGOING or self._app_writing_paused:
                self._process_outgoing()
            if flags & INCOMING or self._ssl_reading_paused:
                self._control_ssl_reading()

        def _do_read__copied(self):
            pipe = self._pyssl_pipe
            if pipe is None:
                return super()._do_read__copied()
            self._pyssl_deliver(*pipe.read())

        def _pyssl_deliver(self, data, flags):
            """Plaintext to the application, then the peer's close_notify,
            or the error of the record that followed the plaintext (FAILED:
            the next read raises it, for the caller's _fatal_error)."""
            if data:
                self._app_protocol.data_received(data)
            if flags & FAILED:
                self._pyssl_deliver(*self._pyssl_pipe.read())
            elif flags & EOF:
                self._call_eof_received()
                self._start_shutdown()

        def _do_read__buffered(self):
            pipe = self._pyssl_pipe
            if pipe is None:
                return super()._do_read__buffered()
            buf = self._app_protocol_get_buffer(self._get_read_buffer_size())
            wants = len(buf)
            count, flags = pipe.read_into(buf)
            if count == wants and wants and not flags:
                # The buffer is full: the rest on the next turn.
                self._loop.call_soon(self._do_read)
            if count:
                self._app_protocol_buffer_updated(count)
            self._pyssl_deliver(None, flags)

        def _write_appdata(self, list_of_data):
            pipe = self._pyssl_pipe
            if (
                pipe is None
                or self._state is not WRAPPED
                or self._write_backlog
                or self._ssl_writing_paused
                or self._app_writing_paused
                or self._outgoing_high_water <= 0
            ):
                return super()._write_appdata(list_of_data)
            # Nothing waits and nothing is paused: encrypt and send now,
            # without the backlog (which asyncio would fill and drain at
            # once).  Whatever OpenSSL cannot take yet goes the usual way.
            try:
                chunks, index, offset = pipe.encrypt_seq(list_of_data)
                write = self._transport.write
                for chunk in chunks:
                    write(chunk)
            except Exception as ex:
                self._fatal_error(ex, "Fatal error on SSL protocol")
                return
            if index < len(list_of_data):
                rest = [memoryview(list_of_data[index])[offset:]]
                super()._write_appdata(rest + list(list_of_data[index + 1 :]))

        def _pyssl_write_rest(self, rest):
            """What the pipe's write() could not encrypt yet: asyncio's
            backlog, as in _write_appdata."""
            super()._write_appdata((rest,))

        def _do_write(self):
            pipe = self._pyssl_pipe
            if pipe is None:
                return super()._do_write()
            written, chunks = pipe.encrypt(self._write_backlog, not self._ssl_writing_paused)
            self._write_buffer_size -= written
            if chunks:
                # One write per 256 KiB slice: writelines() joins them on
                # 3.11 (a copy) and measured slower on 3.13.
                write = self._transport.write
                for chunk in chunks:
                    write(chunk)
            self._control_app_writing()

    SSLProtocol.__qualname__ = SSLProtocol.__name__ = "SSLProtocol"
    SSLProtocol.__module__ = __name__
    return SSLProtocol


def _warn_once(reason):
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            "pyssl.asyncio: keeping asyncio's own TLS protocol: %s" % reason,
            RuntimeWarning,
            stacklevel=3,
        )


def install():
    """Make asyncio's default loops use pyssl's TLS protocol.

    Returns True if it is (now) in use; False, with one RuntimeWarning per
    process, if this asyncio's SSLProtocol is not the one it knows how to
    extend.  Connections made earlier keep the protocol they have.
    """
    from asyncio import sslproto

    return _install(sslproto)


def _install(sslproto):
    global _installed, _protocol_class
    with _lock:
        if _installed is not None:
            return True
        reason = _mismatch(sslproto)
        if reason is not None:
            _warn_once(reason)
            return False
        base = sslproto.SSLProtocol
        if _protocol_class is None or _protocol_class.__bases__[0] is not base:
            _protocol_class = _make_class(base, sslproto)
        sslproto.SSLProtocol = _protocol_class
        _installed = (sslproto, base)
        return True


def uninstall():
    """Give asyncio its own TLS protocol back (if nobody replaced ours)."""
    global _installed, _by_inject
    with _lock:
        _by_inject = False
        if _installed is None:
            return
        sslproto, base = _installed
        if sslproto.SSLProtocol is _protocol_class:
            sslproto.SSLProtocol = base
        _installed = None


def is_installed():
    """Whether asyncio's default loops use pyssl's TLS protocol."""
    return _installed is not None


def installed():
    """install() for the length of a with block; yields install()'s result."""
    return _Installed()


class _Installed(object):
    # A class, not contextlib: injecting imports this module, and contextlib
    # would be one more import for every program that injects pyssl.
    def __enter__(self):
        self._was = is_installed()
        return install()

    def __exit__(self, *exc_info):
        if not self._was:
            uninstall()


# What injecting pyssl does here (pyssl/_inject.py calls these two).


def _on_inject():
    """Install where pyssl is switched in, as the module docstring says:
    now if asyncio.sslproto is loaded, else right after it is."""
    global _hook
    setting = os.environ.get("PYSSL_ASYNCIO", "")
    if setting == "0" or (setting != "1" and sys.version_info < (3, 11)):
        return
    with _lock:
        sslproto = sys.modules.get("asyncio.sslproto")
        if sslproto is not None:
            _install_for_inject(sslproto)
        elif _hook is None:
            _hook = _AfterImport()
            sys.meta_path.insert(0, _hook)


def _on_extract():
    """Undo _on_inject(): the pending hook, and the install it made."""
    with _lock:
        _disarm()
        if _by_inject:
            uninstall()


def _install_for_inject(sslproto):
    global _by_inject
    with _lock:
        if _installed is None and _install(sslproto):
            _by_inject = True


def _disarm():
    global _hook
    with _lock:
        if _hook is not None:
            try:
                sys.meta_path.remove(_hook)
            except ValueError:  # someone rebuilt sys.meta_path
                pass
            _hook = None


class _AfterImport(object):
    """A sys.meta_path entry that waits for asyncio.sslproto: it finds the
    module's spec the usual way and has its loader install() right after
    the module has run.  It leaves sys.meta_path when the module runs, not
    at the first look-up: importlib.util.find_spec("asyncio.sslproto")
    before the import must not cost asyncio its install."""

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio.sslproto":
            return None
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        if callable(getattr(spec.loader, "exec_module", None)):
            spec.loader = _InstallAfterLoad(spec.loader)
        return spec


class _InstallAfterLoad(object):
    """Wraps asyncio.sslproto's loader for its one exec_module() call."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        _disarm()
        # The module gets its real loader back before its code runs.
        module.__loader__ = module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        try:
            _install_for_inject(module)
        except Exception as exc:  # importing asyncio must not fail for us
            _warn_once("installing failed: %r" % (exc,))
