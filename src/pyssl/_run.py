"""``python -m pyssl.run script.py [args]``: run a program on pyssl.

The stdlib's ssl is swapped for pyssl (pyssl.inject_into_stdlib()) before
the script runs, and the script then runs as ``python script.py [args]``
would run it: as ``__main__``, with ``sys.argv[0]`` the script and the
script's directory first on ``sys.path``, so its ``import ssl`` (and that of
asyncio, urllib, requests, ...) gives pyssl. ``-m module [args]`` runs a
module the same way, as ``python -m module`` would.
"""

import os
import sys

USAGE = (
    "usage: {prog} script.py [args ...]\n"
    "       {prog} -m module [args ...]\n"
    "Run a Python program with pyssl as its ssl module.\n"
)


class _CannotRun(Exception):
    """The module to run is not there: one line, as `python -m` says it."""


def _check_module(module):
    """Raise _CannotRun where `python -m module` would print one line.

    runpy's own lookup tells a module that is not there from one that is
    there but fails to import something (that one keeps its traceback).
    """
    import runpy

    lookup = getattr(runpy, "_get_module_details", None)  # private, 3.4 on
    if lookup is not None:
        lookup(module, _CannotRun)


def main(argv=None, prog="python -m pyssl.run"):
    """Inject pyssl, then run the program *argv* names; returns an exit
    status only for usage errors and a module that is not there (the
    program's own exit goes through SystemExit, as in ``python script.py``).
    *prog* is how we were invoked, for the usage text and the messages."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = USAGE.format(prog=prog)
    name = prog.replace("python -m ", "", 1)
    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(usage)
        return 0
    if not args:
        sys.stderr.write(usage)
        return 2
    if args[0] == "-m":
        if len(args) == 1:
            sys.stderr.write("%s: -m needs a module name\n%s" % (name, usage))
            return 2
        return _run_module(args[1:], name)
    if not os.path.exists(args[0]):
        sys.stderr.write("%s: can't open file %r: No such file or directory\n" % (name, args[0]))
        return 2
    return _run_script(args)


def _run_module(args, name):
    """As `python -m module [args]`: sys.path[0] is already the current
    directory (we were started with -m too); runpy sets sys.argv[0] to the
    module's file."""
    import runpy
    from pyssl import inject_into_stdlib

    inject_into_stdlib()
    try:
        _check_module(args[0])
    except _CannotRun as exc:
        sys.stderr.write("%s: %s\n" % (name, exc))
        return 1
    sys.argv = args[:]
    runpy.run_module(args[0], run_name="__main__", alter_sys=True)
    return 0


def _run_script(args):
    """As `python script.py [args]`: the script's directory leads sys.path."""
    import runpy
    from pyssl import inject_into_stdlib

    inject_into_stdlib()
    sys.argv = args[:]
    script_dir = os.path.dirname(os.path.abspath(args[0]))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.insert(0, script_dir)
    runpy.run_path(args[0], run_name="__main__")
    return 0
