"""A context that a callback or attribute refers back to is still freed.

Programs make such cycles without meaning to: a callback that is a bound
method of an object holding the context, a keylog path object that carries
its context along. If pyssl's C objects do not show the garbage collector
what they hold, the cycle lives forever, and with it the SSL_CTX, its
certificates and (for keylog_filename) an open file.
"""

import gc
import weakref

import pytest

from conftest import UNDER_STDLIB, ssl

# CPython's _ssl did not show these to the collector until gh-142516 (fixed
# in its patch releases of late 2025), so older stdlibs fail them.
stdlib_before_gh142516 = pytest.mark.xfail(
    UNDER_STDLIB, strict=False, reason="gh-142516, fixed late in CPython"
)


class Holder(str):
    """A str that can carry the context, as a user's path object might."""


def _keylog(ctx, tmp_path):
    path = Holder(str(tmp_path / "keys.log"))
    path.ctx = ctx
    ctx.keylog_filename = path


def _sni(ctx, tmp_path):
    def callback(sslobj, name, context, _ctx=ctx):
        return None

    ctx.sni_callback = callback


def _msg(ctx, tmp_path):
    ctx._msg_callback = lambda *args, _ctx=ctx: None


def _psk_client(ctx, tmp_path):
    if not getattr(ssl, "HAS_PSK", False):
        pytest.skip("the linked OpenSSL has no PSK")
    ctx.set_psk_client_callback(lambda hint, _ctx=ctx: (None, b"k" * 16))


def _psk_server(ctx, tmp_path):
    if not getattr(ssl, "HAS_PSK", False):
        pytest.skip("the linked OpenSSL has no PSK")
    ctx.set_psk_server_callback(lambda identity, _ctx=ctx: b"k" * 16)


CYCLES = (
    {
        "keylog_filename": (_keylog, ssl.PROTOCOL_TLS_CLIENT),
        "sni_callback": (_sni, ssl.PROTOCOL_TLS_SERVER),
        "_msg_callback": (_msg, ssl.PROTOCOL_TLS_CLIENT),
        "psk_client_callback": (_psk_client, ssl.PROTOCOL_TLS_CLIENT),
        "psk_server_callback": (_psk_server, ssl.PROTOCOL_TLS_SERVER),
    }
    if hasattr(ssl, "PROTOCOL_TLS_CLIENT")
    else {}
)


@stdlib_before_gh142516
@pytest.mark.parametrize("name", sorted(CYCLES))
def test_context_cycle_is_collected(name, tmp_path):
    make_cycle, protocol = CYCLES[name]
    ctx = ssl.SSLContext(protocol)
    make_cycle(ctx, tmp_path)
    ref = weakref.ref(ctx)
    del ctx
    gc.collect()
    assert ref() is None, "the %s cycle kept its context alive" % name


@stdlib_before_gh142516
def test_sslobject_owner_cycle_is_collected():
    """An SSLObject kept in an attribute of its own context's callback."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    ctx._msg_callback = lambda *args, _obj=obj: None
    refs = weakref.ref(ctx), weakref.ref(obj)
    del ctx, obj
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_core_objects_take_weak_references():
    """SSLSocket/SSLObject hold their C object weakly-referenceable on every
    interpreter (3.8 needs the offset set by hand)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    for target in (ctx, obj._sslobj):
        assert weakref.ref(target)() is target
