"""What ``import pyssl`` loads: no more than ``import ssl`` does.

A program that switches from the stdlib's ssl to pyssl should not pay for
modules it never uses, so the rarely used parts (match_hostname's rules and
ipaddress, the message-callback enums, inject_into_stdlib) are loaded on first
use, and their names still resolve, list and pickle as before. Each check
runs in a fresh interpreter, which imports the same pyssl as this one.
"""

import os
import pickle
import subprocess
import sys

import pytest

from conftest import TIMEOUT, UNDER_STDLIB

if UNDER_STDLIB:
    pytest.skip("checks what importing pyssl loads", allow_module_level=True)

import pyssl  # noqa: E402

# Parts of pyssl that import pyssl must not load.
LAZY_MODULES = ["pyssl._hostname", "pyssl._msgtypes", "pyssl._inject", "ipaddress"]


def run_child(code):
    # The directory pyssl was imported from goes first on the child's path.
    home = os.path.dirname(os.path.dirname(os.path.abspath(pyssl.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [home] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT * 6, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def modules_loaded_by(name):
    """The modules a fresh interpreter loads for `import name`."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import %s\n"
        "print(%s.__file__)\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n" % (name, name)
    )
    where, loaded = run_child(code)
    return where, set(loaded.split())


def test_child_imports_the_pyssl_under_test():
    where, _ = modules_loaded_by("pyssl")
    assert os.path.samefile(where, pyssl.__file__)


def test_imports_nothing_the_stdlib_ssl_does_not():
    pytest.importorskip("ssl", reason="this interpreter has no stdlib ssl")
    _, stdlib_loaded = modules_loaded_by("ssl")
    _, pyssl_loaded = modules_loaded_by("pyssl")
    extra = {
        m for m in pyssl_loaded - stdlib_loaded if m != "pyssl" and not m.startswith("pyssl.")
    }
    assert not extra, "import pyssl loads what import ssl does not: %s" % sorted(extra)


def test_rarely_used_parts_are_not_loaded():
    _, loaded = modules_loaded_by("pyssl")
    assert "pyssl._enums" in loaded  # the check itself sees submodules
    assert not loaded & set(LAZY_MODULES)


def test_lazy_names_resolve_list_and_load_on_first_use():
    code = (
        "import sys, pyssl\n"
        "names = ['_TLSContentType', '_TLSAlertType', '_TLSMessageType',\n"
        "         '_dnsname_match', '_inet_paton', '_ipaddress_match',\n"
        "         'inject_into_stdlib', 'extract_from_stdlib']\n"
        "print(all(n in dir(pyssl) for n in names))\n"
        "print('pyssl._msgtypes' in sys.modules)\n"
        "alert = pyssl._TLSAlertType.BAD_CERTIFICATE\n"
        "print('pyssl._msgtypes' in sys.modules)\n"
        "print(repr(alert), alert.__module__)\n"
        "print(pyssl._inet_paton('127.0.0.1') == bytes([127, 0, 0, 1]))\n"
        "print('pyssl._hostname' in sys.modules, 'ipaddress' in sys.modules)\n"
        "print(pyssl.inject_into_stdlib.__module__)\n"
        "try:\n"
        "    pyssl.no_such_name\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    assert run_child(code) == [
        "True",
        "False",
        "True",
        "<_TLSAlertType.BAD_CERTIFICATE: 42> pyssl",
        "True",
        "True True",
        "pyssl._inject",
        "module 'pyssl' has no attribute 'no_such_name'",
    ]


def test_star_import_still_gives_match_hostname():
    namespace = {}
    exec("from pyssl import *", namespace)
    assert namespace["match_hostname"] is pyssl.match_hostname
    assert namespace["CERT_REQUIRED"] is pyssl.CERT_REQUIRED
    assert namespace["TLSVersion"] is pyssl.TLSVersion


def test_match_hostname_warns_at_the_caller():
    cert = {"subjectAltName": (("DNS", "example.com"),)}
    with pytest.warns(DeprecationWarning) as record:
        pyssl.match_hostname(cert, "example.com")
    assert record[0].filename == __file__
    with pytest.warns(DeprecationWarning), pytest.raises(pyssl.CertificateError):
        pyssl.match_hostname(cert, "example.org")


def test_lazily_loaded_enum_unpickles_in_a_fresh_interpreter():
    data = pickle.dumps(pyssl._TLSMessageType.FINISHED)
    code = (
        "import pickle, sys\n"
        "import pyssl\n"
        "member = pickle.loads(%r)\n"
        "print(repr(member), member is pyssl._TLSMessageType.FINISHED)\n" % (data,)
    )
    assert run_child(code) == ["<_TLSMessageType.FINISHED: 20> True"]


def test_error_code_tables_are_built_on_first_use_and_agree_with_errors():
    # The C core builds its mnemonic tables only when first needed: by an
    # error carrying an OpenSSL code, or by reading one of them.
    out = run_child(
        "import pyssl, pyssl._ssl as core\n"
        "names = ('err_codes_to_names', 'err_names_to_codes',\n"
        "         'lib_codes_to_names')\n"
        "print(all(n not in vars(core) and n in dir(core) for n in names))\n"
        "ctx = pyssl.SSLContext(pyssl.PROTOCOL_TLS_CLIENT)\n"
        "inc, out = pyssl.MemoryBIO(), pyssl.MemoryBIO()\n"
        "obj = ctx.wrap_bio(inc, out, server_hostname='example.com')\n"
        "inc.write(b'HTTP/1.1 400 Bad Request\\r\\n\\r\\n')\n"
        "try:\n"
        "    obj.do_handshake()\n"
        "except pyssl.SSLError as exc:\n"
        "    print(exc.library, exc.reason)\n"
        "    key = core.err_names_to_codes[exc.reason]\n"
        "    print(core.err_codes_to_names[key] == exc.reason,\n"
        "          core.lib_codes_to_names[key[0]] == exc.library)\n"
        "print(core.err_codes_to_names is core.err_codes_to_names)\n"
        "try:\n"
        "    core.no_such_name\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    assert out[0] == "True"
    assert out[1].split()[0] == "SSL"  # a record-layer error
    assert out[2:4] == ["True True", "True"]
    assert out[4] == "module 'pyssl._ssl' has no attribute 'no_such_name'"
