"""SSLObjects over the stdlib ssl's MemoryBIOs.

asyncio and trio make their MemoryBIOs with the ssl module they imported,
which is the stdlib's unless pyssl was injected before them, and hand them
to whatever context the program gave them: `import pyssl as ssl` and
asyncio.open_connection(ssl=ssl.create_default_context()) is one such
program. The C core works only over pyssl's own MemoryBIOs (OpenSSL reads
them without the GIL), so an SSLObject given the stdlib's gets a pair of
pyssl's and, in place of its _SSLSocket, an _ssl._Shuttle
(csrc/stdlib_bio.c), which carries the bytes between the two pairs around
each call: the caller's BIOs show what they would with the stdlib's
SSLObject.

Those frameworks also catch the stdlib's exception classes (asyncio's
SSLAgainErrors, trio's), so an SSLError a carried call raises becomes an
instance of a class that derives from both pyssl's class and the stdlib's
of the same name: the same object, traceback and attributes, caught by
`except ssl.SSLWantReadError` with either module's class. This module
makes those classes.

This costs a copy each way and a few calls per operation; pyssl's own
MemoryBIOs (inject_into_stdlib() before those frameworks are imported)
cost neither.
"""

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
    stdlib_bio = outgoing if own_in is incoming else incoming
    bridges = _bridge_table(stdlib_bio)
    return _ssl._Shuttle(core, incoming, outgoing, own_in, own_out, bridges, _TAKE)


_tables = {}  # the stdlib's MemoryBIO class -> its _bridge_table


def _bridge_table(stdlib_bio):
    """{pyssl's exception class: the class deriving from it and the one of
    that name in stdlib_bio's _ssl module, or None}: what the Shuttle turns
    the errors it raises into (a user's subclass stays as it is)."""
    table = _tables.get(type(stdlib_bio))
    if table is None:
        stdlib_module = sys.modules.get(type(stdlib_bio).__module__)
        table = {}
        for name in _errors.NAMES:
            cls = getattr(_ssl, name)
            table[cls] = _bridge_class(cls, getattr(stdlib_module, name, None))
        table = _tables.setdefault(type(stdlib_bio), table)
    return table


def _bridge_class(cls, stdlib):
    """A class deriving from cls, one of pyssl's exception classes, and
    stdlib, the stdlib's of the same name; None if there is no such class."""
    if not isinstance(stdlib, type) or not issubclass(stdlib, OSError):
        return None
    # No slots of its own: instances of cls may become instances of it.
    ns = {"__module__": cls.__module__, "__slots__": (), "__doc__": cls.__doc__}
    bridged = type(cls.__name__, (cls, stdlib), ns)
    copyreg.pickle(bridged, _errors._reduce)  # unpickled as pyssl's
    return bridged


def own_bios(sslobj, incoming, outgoing):
    """For pyssl.asyncio's protocol, which asyncio gave the stdlib's
    MemoryBIOs: move sslobj, made over incoming and outgoing, onto its
    core's own pair of pyssl's, which its C data path needs.  Only while
    nothing has gone through the stdlib's pair (asyncio drops them for the
    new ones).  Its errors stay the bridged classes, which asyncio's except
    clauses name.  Returns (core, own incoming, own outgoing, the bridge
    table), or None, leaving sslobj as it was."""
    shuttle = getattr(sslobj, "_sslobj", None)
    if (
        type(shuttle) is not _ssl._Shuttle
        or not is_stdlib_bio(incoming)
        or not is_stdlib_bio(outgoing)
        or incoming.pending
        or incoming.eof
        or outgoing.pending
    ):
        return None
    core, own_in, own_out = shuttle._core, shuttle._own_in, shuttle._own_out
    bridges = _bridge_table(incoming)
    # A Shuttle whose caller's BIOs are its own carries nothing: it only
    # bridges the errors of the calls asyncio's own code makes.
    sslobj._sslobj = _ssl._Shuttle(core, own_in, own_out, own_in, own_out, bridges, _TAKE)
    return core, own_in, own_out, bridges


def bridge(exc, bridges):
    """exc, one of pyssl's SSLErrors, as an instance of its bridged class:
    what the Shuttle does to the errors it raises.  The same object, but for
    SSLError itself, which cannot change class: then a copy."""
    return _ssl._bridge_error(exc, bridges)
