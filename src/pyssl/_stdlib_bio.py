"""SSLObjects over the stdlib ssl's MemoryBIOs.

asyncio and trio make their MemoryBIOs with the ssl module they imported,
which is the stdlib's unless pyssl was injected before them, and hand them
to whatever context the program gave them: `import pyssl as ssl` and
asyncio.open_connection(ssl=ssl.create_default_context()) is one such
program. The C core works only over pyssl's own MemoryBIOs (OpenSSL reads
them without the GIL), so an SSLObject given the stdlib's gets a pair of
pyssl's and a Shuttle in place of its _SSLSocket. Around each call that can
move TLS bytes the Shuttle moves what the caller's incoming BIO holds into
ours (up to _TAKE bytes, and more while OpenSSL wants more), and afterwards
gives back what OpenSSL left unread, in front of anything written
meanwhile, and passes on everything OpenSSL wrote (an alert too, when the
call fails). The caller's BIOs show what they would with the stdlib's
SSLObject: records not yet read stay in its incoming BIO (a reader that
stops once that and pending() are empty, as uvloop's does, relies on it),
and each record is in its outgoing BIO when the call returns.

Those frameworks also catch the stdlib's exception classes (asyncio's
SSLAgainErrors, trio's), so an SSLError a carried call raises becomes an
instance of a class that derives from both pyssl's class and the stdlib's
of the same name: the same object, traceback and attributes, caught by
`except ssl.SSLWantReadError` with either module's class.

This costs a copy each way and a few calls per operation; pyssl's own
MemoryBIOs (inject_into_stdlib() before those frameworks are imported)
cost neither.
"""

import _thread
import copyreg
import sys

from . import _errors, _ssl


# Bytes taken from the caller's incoming BIO per try: several of the largest
# records (18 KiB each).
_TAKE = 128 * 1024


def is_stdlib_bio(bio):
    """Whether bio is a MemoryBIO of another _ssl module (the stdlib's)."""
    kind = type(bio)
    return (
        kind is not _ssl.MemoryBIO and kind.__name__ == "MemoryBIO" and kind.__module__ == "_ssl"
    )


def wrap_stdlib_bios(context, incoming, outgoing, **kwargs):
    """context._wrap_bio(incoming, outgoing, **kwargs), where either BIO
    may be the stdlib's: then the _SSLSocket gets one of ours in its place
    and comes back inside a Shuttle."""
    own_in = _ssl.MemoryBIO() if is_stdlib_bio(incoming) else incoming
    own_out = _ssl.MemoryBIO() if is_stdlib_bio(outgoing) else outgoing
    core = context._wrap_bio(own_in, own_out, **kwargs)
    if own_in is incoming and own_out is outgoing:
        return core
    return Shuttle(core, incoming, outgoing, own_in, own_out)


class Shuttle:
    """The _sslobj of an SSLObject whose MemoryBIOs (one or both) are the
    stdlib's: the _SSLSocket works over pyssl's own pair, and the calls
    that can move TLS bytes carry them across (see the module's doc).
    Everything else is the _SSLSocket's."""

    __slots__ = ("_core", "_in", "_out", "_own_in", "_own_out", "_lock", "_eof")

    def __init__(self, core, incoming, outgoing, own_in, own_out):
        self._core = core
        # None for a direction whose BIO is pyssl's own already.
        self._in = incoming if own_in is not incoming else None
        self._out = outgoing if own_out is not outgoing else None
        self._own_in = own_in
        self._own_out = own_out
        # Two threads carrying bytes at once could reorder them.
        self._lock = _thread.allocate_lock()
        # The caller wrote EOF and we passed it on: its BIO takes no more
        # writes, so what OpenSSL leaves unread stays in ours.
        self._eof = False

    def __getattr__(self, name):
        if name == "_core":  # not set yet: no endless recursion
            raise AttributeError(name)
        return getattr(self._core, name)

    @property
    def context(self):
        return self._core.context

    @context.setter
    def context(self, ctx):
        self._core.context = ctx

    @property
    def session(self):
        return self._core.session

    @session.setter
    def session(self, session):
        self._core.session = session

    def read(self, *args):
        return self._carry(self._core.read, *args)

    def write(self, data):
        return self._carry(self._core.write, data)

    def do_handshake(self):
        return self._carry(self._core.do_handshake)

    def shutdown(self):
        return self._carry(self._core.shutdown)

    def _carry(self, call, *args):
        while True:
            more = self._take_in()
            try:
                return call(*args)
            except _ssl.SSLWantReadError as exc:
                if more and not self._own_in.pending:
                    # It used all it was given and wants what is still in
                    # the caller's BIO.
                    continue
                self._bridge(exc)
                raise
            except _ssl.SSLError as exc:
                self._bridge(exc)
                raise
            finally:
                self._give_back()

    def _bridge(self, exc):
        bridged = _bridge_class(type(exc), self._in or self._out)
        if bridged is not None:
            exc.__class__ = bridged

    def _take_in(self):
        """Move up to _TAKE bytes from the caller's incoming BIO to ours;
        returns whether it holds more.  Bounded, so that a caller that
        reads a large buffer in small pieces is not copied all of it, and
        back, on every call."""
        if self._in is None:
            return False
        with self._lock:
            # Bytes written after this read stay there, behind these.
            data = self._in.read(_TAKE)
            if data:
                self._own_in.write(data)
            if not self._eof and self._in.eof:
                self._own_in.write_eof()
                self._eof = True
            return self._in.pending > 0

    def _give_back(self):
        with self._lock:
            if self._in is not None and not self._eof:
                left = self._own_in.read()
                if left:
                    kept = _ssl._bio_unread(self._in, left)
                    if kept is not None:  # the caller wrote EOF meanwhile
                        self._own_in.write(kept)
                        self._own_in.write_eof()
                        self._eof = True
            if self._out is not None:
                data = self._own_out.read()
                if data:
                    self._out.write(data)


_bridges = {}  # (pyssl's class, the stdlib's) -> the class deriving from both


def _bridge_class(cls, stdlib_bio):
    """The class deriving from cls, one of pyssl's seven exception classes,
    and the class of that name in the _ssl module stdlib_bio comes from;
    None for any other class (a user's subclass, say)."""
    if cls.__name__ not in _errors.NAMES or getattr(_ssl, cls.__name__) is not cls:
        return None
    stdlib = getattr(sys.modules.get(type(stdlib_bio).__module__), cls.__name__, None)
    if not isinstance(stdlib, type) or not issubclass(stdlib, OSError):
        return None
    bridged = _bridges.get((cls, stdlib))
    if bridged is None:
        # No slots of its own: instances of cls may become instances of it.
        ns = {"__module__": cls.__module__, "__slots__": (), "__doc__": cls.__doc__}
        bridged = type(cls.__name__, (cls, stdlib), ns)
        copyreg.pickle(bridged, _errors._reduce)  # unpickled as pyssl's
        bridged = _bridges.setdefault((cls, stdlib), bridged)
    return bridged
