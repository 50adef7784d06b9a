"""The C core's signatures and its stubs (src/pyssl/_ssl.pyi) agree.

Each C callable states its signature in its docstring's first line, which
Python turns into __text_signature__ (what help() and inspect.signature
show); type checkers read _ssl.pyi instead. Both are written by hand, so
they drift: a parameter renamed in one, a keyword made positional-only in
the other. This test reads the stub with ast and compares, for every
function and method the stub declares and the C core has, the parameter
names, their kinds (positional-only, keyword-only...), and which ones have
defaults. Types are not compared: a text signature has none.
"""

import ast
import inspect
import os

import pytest

from conftest import UNDER_STDLIB

pytestmark = pytest.mark.skipif(
    UNDER_STDLIB, reason="compares pyssl's own C core with pyssl's own stubs"
)

STUB = os.path.join(os.path.dirname(__file__), os.pardir, "src", "pyssl", "_ssl.pyi")

KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "vararg": inspect.Parameter.VAR_POSITIONAL,
    "kwonly": inspect.Parameter.KEYWORD_ONLY,
    "kwarg": inspect.Parameter.VAR_KEYWORD,
}


def stub_params(fn):
    """[(name, kind, has_default)] of an ast function, self/cls dropped."""
    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    for i, (arg, d) in enumerate(zip(pos, defaults)):
        kind = KINDS["posonly"] if i < len(a.posonlyargs) else KINDS["args"]
        out.append((arg.arg, kind, d is not None))
    if a.vararg:
        out.append((a.vararg.arg, KINDS["vararg"], False))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, KINDS["kwonly"], d is not None))
    if a.kwarg:
        out.append((a.kwarg.arg, KINDS["kwarg"], False))
    return out


def is_overload_or_property(fn):
    names = {
        d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in fn.decorator_list
    }
    return bool(names & {"overload", "property", "setter", "getter"}) or any(
        isinstance(d, ast.Attribute) for d in fn.decorator_list
    )


def stub_callables():
    """(qualified name, ast function) for every plain def in the stub."""
    tree = ast.parse(open(STUB).read())
    found = []

    def visit(body, prefix):
        for node in body:
            if isinstance(node, ast.FunctionDef) and not is_overload_or_property(node):
                found.append((prefix + node.name, node))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".")
            elif isinstance(node, ast.If):  # sys.platform / version blocks
                visit(node.body, prefix)
                visit(node.orelse, prefix)

    visit(tree.body, "")
    return found


def c_callable(qualname):
    import pyssl._ssl as core

    obj = core
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def c_params(obj, qualname):
    """[(name, kind, has_default)] from __text_signature__, or None."""
    if getattr(obj, "__text_signature__", None) is None:
        return None
    sig = inspect.signature(obj)
    params = list(sig.parameters.values())
    # An unbound method descriptor's signature starts with self/$self.
    if "." in qualname and params and params[0].name in ("self", "cls", "type"):
        params = params[1:]
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in params]


# Dunders are slots: their signatures come from the type machinery, not a
# docstring (CPython's own _SSLContext has no text signature either).
CASES = [(q, fn) for q, fn in stub_callables() if not q.split(".")[-1].startswith("__")]


def test_stub_is_read():
    # Guards the parsing itself: the stub has dozens of C callables.
    assert len(CASES) > 40


@pytest.mark.parametrize("qualname,fn", CASES, ids=[q for q, _ in CASES])
def test_signature_matches_stub(qualname, fn):
    obj = c_callable(qualname)
    if obj is None:
        pytest.skip("%s: not in this build's C core (OpenSSL or platform)" % qualname)
    got = c_params(obj, qualname)
    assert got is not None, (
        "%s has no text signature: its docstring must start with "
        "'%s(...)\\n--\\n\\n'" % (qualname, qualname.split(".")[-1])
    )
    want = stub_params(fn)
    if want and want[0][0] in ("self", "cls"):
        want = want[1:]
    assert got == want, "%s: C says %s, _ssl.pyi says %s" % (qualname, fmt(got), fmt(want))


def fmt(params):
    names = {v: k for k, v in KINDS.items()}
    return "(" + ", ".join("%s:%s%s" % (n, names[k], "=" if d else "") for n, k, d in params) + ")"
