"""pyssl's start-up hook, imported by the ``pyssl-core.pth`` line (PTH_LINE)
that the wheel puts in site-packages next to this file.

Python runs that line at every start of every program in the environment
(unless -S), pip's isolated builds included, so this module:

- imports nothing but sys and os (both loaded by then) and never imports
  pyssl unless it is certain there is work for pyssl to do;
- never raises: a failure prints one line to stderr and start-up goes on.

It does two things:

- ``PYSSL_INJECT=1`` in the environment (and no -E or -I): the whole program
  runs on pyssl, ``pyssl.inject_into_stdlib()`` before it imports anything.
- It appends ``SslCoreFinder`` to the end of ``sys.meta_path``. Python asks
  it only for a name that every real finder failed to find (an import that
  is about to fail), and it answers only for ``_ssl``: on an interpreter
  built without ``_ssl`` (no OpenSSL at build time, or the extension
  removed), ``import ssl`` then runs the interpreter's own ``Lib/ssl.py`` on
  pyssl's C core. Everywhere else it never loads anything.

Deciding at start-up whether the interpreter has an ``_ssl`` cannot be done
reliably: pip's build isolation, for one, runs this hook while sys.path holds
only site-packages, and "no _ssl on this sys.path right now" is not proof the
interpreter lacks one. Asking only when ``import _ssl`` has really failed
needs no such guess.
"""

import os
import sys

# The one line of pyssl-core.pth (setup.py writes it). A .pth line cannot
# hold a try statement and an import line that raises breaks start-up (site
# reports it with the traceback module, which may not be importable then),
# so the import goes through exec: when this module cannot be found (an
# earlier .pth emptied sys.path, say) nothing happens.
PTH_LINE = 'import sys; exec("try: import _pyssl_startup\\nexcept ImportError: pass")'


def _say(what, exc):
    """One line on stderr; never raises (stderr may be None or closed)."""
    try:
        sys.stderr.write("pyssl: %s: %s: %s\n" % (what, type(exc).__name__, exc))
    except Exception:
        pass


class SslCoreFinder:
    """The last finder on sys.meta_path: pyssl's C core as ``_ssl`` when the
    interpreter has no ``_ssl`` of its own."""

    _core = None
    _core_spec = None
    _busy = False  # importing pyssl: a nested `import _ssl` is not ours
    _said = False  # a failure to import pyssl is reported once

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "_ssl" or cls._busy:
            return None
        if cls._core is None:
            cls._busy = True
            try:
                import pyssl._ssl as core
            except Exception as exc:
                if not cls._said:
                    cls._said = True
                    _say("cannot provide _ssl", exc)
                return None
            finally:
                cls._busy = False
            cls._core, cls._core_spec = core, core.__spec__
        # _frozen_importlib is the import system itself, always loaded:
        # no need to import importlib for its ModuleSpec.
        module_spec = sys.modules["_frozen_importlib"].ModuleSpec
        return module_spec("_ssl", cls, origin=cls._core_spec.origin)

    @classmethod
    def create_module(cls, spec):
        return cls._core

    @classmethod
    def exec_module(cls, module):
        # The import system gave the module the "_ssl" spec; it is still
        # pyssl._ssl as well, so it gets its own spec back.
        module.__spec__ = cls._core_spec


def inject():
    """pyssl.inject_into_stdlib(); one line on stderr if it fails."""
    try:
        import pyssl

        pyssl.inject_into_stdlib()
    except Exception as exc:
        _say("PYSSL_INJECT=1 ignored", exc)
        return False
    return True


sys.meta_path.append(SslCoreFinder)
if os.environ.get("PYSSL_INJECT") == "1" and not sys.flags.ignore_environment:
    inject()
