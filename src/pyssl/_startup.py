"""Start-up hooks, run from the ``pyssl-core.pth`` file the wheel installs.

Python runs the import lines of ``*.pth`` files in site-packages at every
start-up (unless -S or -I), so this module must cost nothing when it has
nothing to do: it imports only sys and os (already loaded by then) until a
hook fires, and never raises (site would print a traceback at every
start-up).

- ``maybe_inject()``: with ``PYSSL_INJECT=1`` in the environment, the whole
  program runs on pyssl: ``pyssl.inject_into_stdlib()`` before the program
  imports anything.
- ``maybe_provide_ssl_core()``: on an interpreter built without ``_ssl``
  (no OpenSSL at build time, or the extension removed), register pyssl's C
  core as ``_ssl`` so that the interpreter's own ``Lib/ssl.py`` imports and
  runs on it.

``startup()`` runs both; it is what the .pth line calls. The line
(``PTH_LINE``) first checks, with nothing but sys and os, whether either hook
has work to do, so that ``import pyssl`` (about 30 ms: the C core, OpenSSL,
the enums) is paid only by the programs that need it, not by every Python
start in the environment.
"""
import os
import sys

# The one line of the pyssl-core.pth file installed into site-packages.
PTH_LINE = (
    "import os, sys; "
    "(os.environ.get('PYSSL_INJECT') == '1' "
    "or not ('_ssl' in sys.modules or '_ssl' in sys.builtin_module_names "
    "or sys.modules['_frozen_importlib_external'].PathFinder.find_spec('_ssl'))) "
    "and __import__('pyssl._startup')._startup.startup()"
)


def _warn(what, exc):
    try:
        sys.stderr.write("pyssl: %s failed at start-up: %s: %s\n"
                         % (what, type(exc).__name__, exc))
    except Exception:
        pass


def maybe_inject():
    """pyssl.inject_into_stdlib() if PYSSL_INJECT=1; otherwise nothing."""
    if os.environ.get("PYSSL_INJECT") != "1" or sys.flags.ignore_environment:
        return False
    try:
        from pyssl import inject_into_stdlib
        inject_into_stdlib()
    except Exception as exc:
        _warn("PYSSL_INJECT=1", exc)
        return False
    return True


def _ssl_missing():
    if "_ssl" in sys.modules or "_ssl" in sys.builtin_module_names:
        return False
    import importlib.util
    try:
        return importlib.util.find_spec("_ssl") is None
    except (ImportError, ValueError):
        return False


def maybe_provide_ssl_core():
    """Make pyssl._ssl importable as _ssl when the interpreter has none."""
    if not _ssl_missing():
        return False
    try:
        import pyssl._ssl as core
    except Exception as exc:
        _warn("providing _ssl", exc)
        return False
    sys.modules.setdefault("_ssl", core)
    return sys.modules["_ssl"] is core


def startup():
    """The .pth hook: provide _ssl if missing, then honour PYSSL_INJECT."""
    maybe_provide_ssl_core()
    maybe_inject()
