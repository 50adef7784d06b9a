#!/usr/bin/env python3
"""Incremental developer build of pyssl._ssl into a private directory.

    python ci/devbuild.py OUTDIR [--python PY]

Compiles each csrc/*.c to OUTDIR/obj/ with -Wall -Wextra -Werror and links
OUTDIR/pyssl/_ssl*.so, then `PYTHONPATH=OUTDIR:src` imports it (OUTDIR/pyssl
is a copy-free package that points back at src/pyssl via __path__; set
PYSSL_CORE_ONLY=1 to import pyssl._ssl without running src/pyssl/__init__.py).

Every file must compile: a failure stops the build (it used to link the
last good object of a file that no longer compiled, which hid broken code;
people working in parallel each have their own worktree instead). --mine
FILES is still accepted, and ignored, for older scripts.

The flags are setup.py's, from csrc/build_flags.py (PYSSL_ASAN=1,
PYSSL_UBSAN=1, PYSSL_SANITIZE=LIST, PYSSL_DEBUG=1 mean the same here), with
-Werror always on; PYSSL_CC picks the compiler (default cc) and PYSSL_OPT
the optimisation level when no switch asks for -O0 (default -O1).
PYSSL_COVERAGE=1 adds gcov's counters (ci/coverage.sh).  PYSSL_OPENSSL_DIR
builds against the OpenSSL in that prefix, as setup.py does (with an rpath).  Asserts are on
only with PYSSL_DEBUG=1 or a sanitizer switch, as in setup.py's builds.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(HERE, "csrc")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = os.path.abspath(args.pop(0))
    python = sys.executable
    while args:
        a = args.pop(0)
        if a == "--mine":
            while args and not args[0].startswith("--"):
                args.pop(0)
        elif a == "--python":
            python = args.pop(0)
    cfg = subprocess.run(
        [
            python,
            "-c",
            (
                "import sysconfig,json;print(json.dumps([sysconfig.get_paths()['include'],"
                "sysconfig.get_config_var('EXT_SUFFIX')]))"
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    include, suffix = json.loads(cfg.stdout)
    obj = os.path.join(out, "obj")
    pkg = os.path.join(out, "pyssl")
    os.makedirs(obj, exist_ok=True)
    os.makedirs(pkg, exist_ok=True)
    # setup.py's flags (csrc/build_flags.py), always with -Werror; the
    # optimisation level is PYSSL_OPT's unless a switch asks for -O0.
    sys.path.insert(0, CSRC)
    from build_flags import compile_flags

    cflags, ldflags = compile_flags(dict(os.environ, PYSSL_WERROR="1"))
    # Asserts are off as in setup.py's build, which gets -DNDEBUG from the
    # interpreter's CFLAGS; PYSSL_DEBUG=1 and the sanitizers turn them on
    # (build_flags adds -UNDEBUG after this).
    cflags = ["-DNDEBUG"] + cflags
    flags = (
        ["-fPIC", os.environ.get("PYSSL_OPT", "-O1"), "-g"]
        + cflags
        + ["-I" + CSRC, "-I" + include, '-DPYSSL_MODULE_NAME="pyssl._ssl"']
    )
    # PYSSL_COVERAGE=1: gcov counters (ci/coverage.sh); -O0 so that every
    # line is its own, as a reader of the report expects.
    coverage = bool(os.environ.get("PYSSL_COVERAGE"))
    if coverage:
        flags += ["--coverage", "-O0"]
    cc = os.environ.get("PYSSL_CC", "cc")
    # PYSSL_OPENSSL_DIR means what it means to setup.py: build and run
    # against the OpenSSL in that prefix, not the system's.
    openssl = os.environ.get("PYSSL_OPENSSL_DIR")
    link_openssl = []
    if openssl:
        flags.insert(0, "-I" + os.path.join(openssl, "include"))
        for lib in ("lib64", "lib"):
            d = os.path.join(openssl, lib)
            if os.path.isdir(d):
                link_openssl += ["-L" + d, "-Wl,-rpath," + d]
    objects, failed = [], False
    for name in sorted(os.listdir(CSRC)):
        if not name.endswith(".c"):
            continue
        o = os.path.join(obj, name[:-2] + ".o")
        r = subprocess.run(
            [cc, "-c", os.path.join(CSRC, name), "-o", o + ".new"] + flags,
            capture_output=True,
            text=True,
        )
        if r.returncode == 0:
            os.replace(o + ".new", o)
        else:
            sys.stderr.write(r.stderr)
            print("FAILED: %s" % name, file=sys.stderr)
            failed = True
        objects.append(o)
    if failed:
        sys.exit(1)
    so = os.path.join(pkg, "_ssl" + suffix)
    ld = (
        [cc, "-shared", "-o", so + ".new"]
        + objects
        + link_openssl
        + ["-lssl", "-lcrypto"]
        + ldflags
    )
    if coverage:
        ld.append("--coverage")
    subprocess.run(ld, check=True)
    os.replace(so + ".new", so)
    # A package whose __path__ also covers src/pyssl, so the Python layer is
    # the working tree's and the extension is this build's.
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        # The file is read inside a with, so a debug interpreter (which shows
        # ResourceWarnings) prints nothing at import.
        f.write(
            "import os as _os\n__path__.append(%r)\n"
            "if not _os.environ.get('PYSSL_CORE_ONLY'):\n"
            "    with open(_os.path.join(%r, '__init__.py')) as _f:\n"
            "        _code = _f.read()\n"
            "    exec(compile(_code, _os.path.join(%r, '__init__.py'), 'exec'))\n"
            "    del _f, _code\n" % ((os.path.join(HERE, "src", "pyssl"),) * 3)
        )
    # The start-up hook's module sits beside the package, as in a wheel.
    hook = os.path.join(HERE, "src", "_pyssl_startup.py")
    with open(os.path.join(out, "_pyssl_startup.py"), "w") as f:
        f.write(
            "with open(%r) as _f:\n    _code = _f.read()\n"
            "exec(compile(_code, %r, 'exec'))\n" % (hook, hook)
        )
    print("built %s" % so)


if __name__ == "__main__":
    main()
