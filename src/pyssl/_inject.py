"""Switch a running program from the stdlib's ssl over to pyssl, and back.

``pyssl.inject_into_stdlib()`` makes ``import ssl`` give pyssl (and
``import _ssl`` give ``pyssl._ssl``) from now on, and rebinds what modules
imported earlier took from the stdlib's ssl: every module global (in every
module in ``sys.modules``) that is the stdlib ``ssl`` or ``_ssl`` module, or
one of their classes, functions, exceptions or enum members, becomes pyssl's
counterpart of the same name. That covers ``import ssl`` (asyncio,
http.client, urllib.request, ftplib, imaplib, poplib, smtplib, xmlrpc.client,
logging.handlers, httpcore, aiohttp), ``from ssl import SSLContext`` and
aliases such as urllib3's ``BaseSSLError = ssl.SSLError``. Tuples of them held
in module globals (``except`` clauses such as aiohttp's ``cert_errors``,
``isinstance`` tuples such as its ``SSL_ALLOWED_TYPES``, asyncio's
``SSLAgainErrors``) are rebuilt with the counterparts, and so are the same
things held as class attributes of classes defined in those modules.

Every change is recorded; ``pyssl.extract_from_stdlib()`` puts back exactly
what was replaced (a binding someone changed again since is left alone) and
gives ``sys.modules`` its old ``ssl``/``_ssl`` again (or none, if there was
none). Both are idempotent and serialised by a lock.

What cannot be switched, and stays on the stdlib's ssl:

- objects created before the switch: an ``ssl.SSLContext`` made earlier
  (pyssl's ``isinstance`` checks do not accept it, so after the switch
  asyncio and urllib3 reject it: make contexts after injecting), sockets
  and SSLObjects already wrapped, a pending asyncio SSL transport;
  exception: the default contexts a few libraries build at import time are
  rebuilt by the library's own code (aiohttp's ``_SSL_CONTEXT_VERIFIED`` and
  ``_SSL_CONTEXT_UNVERIFIED``, requests' ``_preloaded_ssl_context``);
- classes that subclass a stdlib ssl class (their bases are fixed; e.g.
  truststore's SSLContext): they keep working on the stdlib;
- references held where a walk of module and class namespaces does not
  look: function default arguments, closures, instances, containers other
  than tuples (lists, dicts), and C extensions that imported ssl or _ssl
  into their own C state;
- modules imported while injected that did ``import ssl`` got pyssl; they
  are not switched back by extract (they cannot be told apart from code
  that asked for pyssl by name).
"""

import sys
import threading
from types import BuiltinFunctionType, FunctionType, ModuleType

__all__ = ["inject_into_stdlib", "extract_from_stdlib", "is_injected"]

_ABSENT = object()
_lock = threading.RLock()
_state = None  # an _Injection while injected
_STDLIB_MODULE_NAMES = ("ssl", "_ssl")


class _Injection(object):
    """What inject changed: enough for extract to undo it exactly."""

    def __init__(self, saved_modules):
        self.saved_modules = saved_modules  # name -> old sys.modules entry
        self.changes = []  # (owner, name, old, new)


def is_injected():
    """True between inject_into_stdlib() and extract_from_stdlib()."""
    return _state is not None


def _pyssl():
    # The package this module belongs to (already imported: we are in it).
    return sys.modules[__name__.rpartition(".")[0]]


def _owned_by_stdlib_ssl(obj):
    """Is *obj* something the stdlib ssl/_ssl defined (and so has a
    counterpart worth switching to)? Plain values (ints, strings, True) are
    shared with the rest of the program and never are."""
    if isinstance(obj, ModuleType):
        return False
    if isinstance(obj, (type, FunctionType, BuiltinFunctionType)):
        return getattr(obj, "__module__", None) in _STDLIB_MODULE_NAMES
    # Instances: enum members (CERT_REQUIRED, Purpose.SERVER_AUTH, ...).
    return _is_enum_member(obj)


def _is_enum_member(obj):
    import enum

    return isinstance(obj, enum.Enum) and type(obj).__module__ in _STDLIB_MODULE_NAMES


def _counterparts(old_ssl, old_core, new_ssl):
    """Map id(stdlib object) -> (stdlib object, pyssl object)."""
    import enum

    new_core = new_ssl._ssl
    mapping = {}

    def add(old, new):
        if old is not new and old is not None:
            mapping[id(old)] = (old, new)

    if old_ssl is not None:
        add(old_ssl, new_ssl)
    if old_core is not None:
        add(old_core, new_core)
    # _ssl's names first: where ssl re-exports them, ssl's pass wins with
    # the same object anyway.
    for old_mod, homes in ((old_core, (new_core, new_ssl)), (old_ssl, (new_ssl, new_core))):
        if old_mod is None or old_mod is new_ssl or old_mod is new_core:
            continue
        for name, old in list(vars(old_mod).items()):
            if name.startswith("__") or not _owned_by_stdlib_ssl(old):
                continue
            new = _ABSENT
            for home in homes:
                new = getattr(home, name, _ABSENT)
                if new is not _ABSENT:
                    break
            if new is _ABSENT:
                continue
            add(old, new)
            if isinstance(old, type) and issubclass(old, enum.Enum) and isinstance(new, type):
                for member_name, member in old.__members__.items():
                    new_member = getattr(new, member_name, _ABSENT)
                    if new_member is not _ABSENT:
                        add(member, new_member)
    return mapping


def _switched(value, mapping):
    """The counterpart of *value* under *mapping*, or _ABSENT."""
    hit = mapping.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    if type(value) is tuple and 0 < len(value) <= 64:
        items = []
        changed = False
        for item in value:
            hit = mapping.get(id(item))
            if hit is not None and hit[0] is item:
                items.append(hit[1])
                changed = True
            else:
                items.append(item)
        if changed:
            return tuple(items)
    return _ABSENT


def _skip_module(name, mod, skip):
    if mod is None or id(mod) in skip:
        return True
    return name == "pyssl" or name.startswith("pyssl.")


def _rebind(mapping, record, skip):
    """Rebind module globals (and attributes of classes defined in those
    modules) found in *mapping*; append each change to *record*."""
    for modname, mod in list(sys.modules.items()):
        if not isinstance(mod, ModuleType) or _skip_module(modname, mod, skip):
            continue
        try:
            namespace = mod.__dict__
        except Exception:  # an odd object posing as a module
            continue
        for name, value in list(namespace.items()):
            new = _switched(value, mapping)
            if new is not _ABSENT:
                namespace[name] = new
                record.append((namespace, name, value, new))
            elif isinstance(value, type) and getattr(value, "__module__", None) == modname:
                _rebind_class(value, mapping, record)


def _rebind_class(cls, mapping, record):
    try:
        items = list(vars(cls).items())
    except TypeError:
        return
    for name, value in items:
        if name.startswith("__"):
            continue
        new = _switched(value, mapping)
        if new is _ABSENT:
            continue
        try:
            setattr(cls, name, new)
        except (TypeError, AttributeError):  # a C type: leave it
            continue
        record.append((cls, name, value, new))


# Contexts some libraries build once, at import, from the stdlib's ssl. They
# are made again by the library's own code once its ssl names point at
# pyssl. (module, global name, rebuild(module) -> new value)
def _requests_preloaded(mod):
    ctx = mod.create_urllib3_context()
    ctx.load_verify_locations(mod.extract_zipped_paths(mod.DEFAULT_CA_BUNDLE_PATH))
    return ctx


_IMPORT_TIME_CONTEXTS = (
    ("aiohttp.connector", "_SSL_CONTEXT_VERIFIED", lambda mod: mod._make_ssl_context(True)),
    ("aiohttp.connector", "_SSL_CONTEXT_UNVERIFIED", lambda mod: mod._make_ssl_context(False)),
    ("requests.adapters", "_preloaded_ssl_context", _requests_preloaded),
)


def _rebuild_import_time_contexts(old_ssl, record):
    old_context = getattr(old_ssl, "SSLContext", None)
    if not isinstance(old_context, type):
        return
    for modname, name, rebuild in _IMPORT_TIME_CONTEXTS:
        mod = sys.modules.get(modname)
        namespace = getattr(mod, "__dict__", None)
        if namespace is None or not isinstance(namespace.get(name), old_context):
            continue
        old = namespace[name]
        try:
            new = rebuild(mod)
        except Exception:  # keep the library's stdlib context
            continue
        namespace[name] = new
        record.append((namespace, name, old, new))


def inject_into_stdlib():
    """Make pyssl the program's ssl module (see the module docstring).

    From now on ``import ssl`` gives pyssl and ``import _ssl`` pyssl's C
    core; modules that imported the stdlib's ssl earlier are switched over.
    Calling it again while injected does nothing.
    """
    global _state
    with _lock:
        if _state is not None:
            return
        new_ssl = _pyssl()
        new_core = new_ssl._ssl
        saved = {name: sys.modules.get(name, _ABSENT) for name in _STDLIB_MODULE_NAMES}
        old_ssl = saved["ssl"] if saved["ssl"] is not _ABSENT else None
        old_core = saved["_ssl"] if saved["_ssl"] is not _ABSENT else None
        if old_ssl is new_ssl:
            old_ssl = None
        if old_core is new_core:
            old_core = None
        # The stdlib ssl itself is left as it is, so that extract gives it
        # back working.
        skip = {id(m) for m in (old_ssl, old_core) if m is not None}
        state = _Injection(saved)
        mapping = _counterparts(old_ssl, old_core, new_ssl)
        sys.modules["_ssl"] = new_core
        sys.modules["ssl"] = new_ssl
        if mapping:
            _rebind(mapping, state.changes, skip)
            _rebuild_import_time_contexts(old_ssl, state.changes)
        _state = state
    # pyssl's asyncio TLS protocol, unless PYSSL_ASYNCIO=0 (pyssl/asyncio.py)
    from .asyncio import _on_inject

    _on_inject()


def extract_from_stdlib():
    """Undo inject_into_stdlib(): the stdlib's ssl is ``ssl`` again and every
    binding inject changed is given back its old value (unless it was
    changed again since). Does nothing when not injected."""
    global _state
    with _lock:
        state = _state
        if state is None:
            return
        for owner, name, old, new in reversed(state.changes):
            if isinstance(owner, dict):
                if owner.get(name, _ABSENT) is new:
                    owner[name] = old
            elif owner.__dict__.get(name, _ABSENT) is new:
                setattr(owner, name, old)
        new_ssl = _pyssl()
        current = {"ssl": new_ssl, "_ssl": new_ssl._ssl}
        for name, old in state.saved_modules.items():
            if sys.modules.get(name) is not current[name]:
                continue  # someone put another module there since
            if old is _ABSENT:
                del sys.modules[name]
            else:
                sys.modules[name] = old
        _state = None
        from .asyncio import _on_extract

        _on_extract()
