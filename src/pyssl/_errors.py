"""Pickling pyssl's exceptions.

The C core names its exception classes ``ssl.SSLError`` and so on, as
CPython's ``_ssl`` does: the interpreter's own ``Lib/ssl.py`` re-exports them
when pyssl's core runs as ``_ssl``, and tracebacks read as users expect.
But pickle finds a class by that name, and where ``ssl`` is the stdlib's
module ``ssl.SSLError`` is another class: an ``SSLError`` raised in a
``ProcessPoolExecutor`` worker reached the parent as a ``PicklingError``.

So pickle is told (through ``copyreg``, for these seven classes only, not
for subclasses a user defines) to rebuild each instance with ``_rebuild``,
which finds the class in ``pyssl._ssl`` by name.  The instance's ``args``
(errno and strerror) and its ``__dict__`` (library, reason, verify_code,
verify_message) travel as OSError's own ``__reduce__`` gives them.
"""

import copyreg

from . import _ssl

NAMES = (
    "SSLError",
    "SSLCertVerificationError",
    "SSLZeroReturnError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLSyscallError",
    "SSLEOFError",
)


def _rebuild(name, args, state=None):
    exc = getattr(_ssl, name)(*args)
    if state:
        exc.__dict__.update(state)
    return exc


def _reduce(exc):
    # OSError.__reduce__ gives (class, args) or (class, args, __dict__).
    reduced = OSError.__reduce__(exc)
    return (_rebuild, (type(exc).__name__,) + tuple(reduced[1:]))


def register():
    for name in NAMES:
        copyreg.pickle(getattr(_ssl, name), _reduce)
