"""Every name of the ssl API surface exists in pyssl, on every interpreter.

tests/api_surface.txt lists, per object, the union of what CPython 3.8-3.13
have plus the 3.14/3.15 additions and the names 3.12 removed that pyssl keeps.
"""

import os
import sys

import pytest

from conftest import UNDER_STDLIB

# The surface is pyssl's own promise (the union over interpreters plus the
# newer additions): no single stdlib has all of it.
if UNDER_STDLIB:
    pytest.skip("the pyssl API surface is not the stdlib's", allow_module_level=True)

import pyssl  # noqa: E402
import pyssl.asyncio  # noqa: E402
from pyssl import _ssl  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# Where each section's names must be found.
OBJECTS = {
    "_ssl": _ssl,
    "_SSLContext": _ssl._SSLContext,
    "_SSLSocket": _ssl._SSLSocket,
    "MemoryBIO": _ssl.MemoryBIO,
    "SSLSession": _ssl.SSLSession,
    "Certificate": getattr(_ssl, "Certificate", None),
    "ssl": pyssl,
    "SSLContext": pyssl.SSLContext,
    "SSLSocket": pyssl.SSLSocket,
    "SSLObject": pyssl.SSLObject,
    "pyssl.asyncio": pyssl.asyncio,
}


def load_surface():
    surface, section = [], None
    with open(os.path.join(HERE, "api_surface.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line[1:-1]
                continue
            surface.append((section, line))
    return surface


SURFACE = load_surface()


def test_surface_is_complete_list():
    # Guards the data file itself: every section we check is known, and the
    # list is the long one, not a truncated copy.
    assert {s for s, _ in SURFACE} <= set(OBJECTS)
    assert len(SURFACE) > 450


@pytest.mark.parametrize("section,name", SURFACE, ids=["%s.%s" % p for p in SURFACE])
def test_name_exists(section, name):
    obj = OBJECTS[section]
    assert obj is not None, "%s is missing" % section
    assert hasattr(obj, name), "%s has no %s" % (section, name)


@pytest.mark.skipif(sys.platform == "win32", reason="checks the non-Windows surface")
def test_windows_store_functions_absent_elsewhere():
    # As in the stdlib: enum_certificates/enum_crls exist only on Windows.
    assert not hasattr(pyssl, "enum_certificates")
    assert not hasattr(pyssl, "enum_crls")


def test_pyssl_never_uses_stdlib_ssl():
    import ssl as stdlib_ssl

    assert pyssl.SSLContext is not stdlib_ssl.SSLContext
    assert pyssl._ssl is not sys.modules.get("_ssl")
    assert not issubclass(pyssl.SSLContext, stdlib_ssl.SSLContext)
    assert issubclass(pyssl.SSLError, OSError)
