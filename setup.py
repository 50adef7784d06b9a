"""Build pyssl._ssl from csrc/.

OpenSSL is found, in this order, from PYSSL_OPENSSL_DIR (a prefix holding
include/ and lib/), from pkg-config, or from the compiler's own search paths.

Environment switches (PYSSL_WERROR, PYSSL_DEBUG, PYSSL_ASAN, PYSSL_UBSAN...):
see csrc/build_flags.py, which ci/devbuild.py reads too.
"""

import glob
import os
import shlex
import subprocess
import sys

import setuptools
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

# pyproject.toml's [project] table needs setuptools 61; an older one (as
# `pip install --no-build-isolation` may use) silently builds a nameless
# wheel with no Python package in it. Isolated builds get what
# pyproject.toml's build-system asks for: 77 or later, 70.1 or later on 3.8.
SETUPTOOLS_MAJOR = int(setuptools.__version__.split(".")[0])
if SETUPTOOLS_MAJOR < 61:
    sys.exit(
        "pyssl: building needs setuptools >= 61 (found %s); "
        "run: python -m pip install -U setuptools" % setuptools.__version__
    )

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "csrc"))
from build_flags import compile_flags  # noqa: E402  (csrc/ holds it)

del sys.path[0]
MISSING_OPENSSL = (
    "pyssl: the OpenSSL headers were not found (openssl/ssl.h). Install them "
    "(Debian/Ubuntu: apt-get install libssl-dev; Fedora: dnf install "
    "openssl-devel; macOS: brew install openssl@3) or point PYSSL_OPENSSL_DIR "
    "at an OpenSSL prefix that has include/ and lib/."
)


def _pkg_config(*args):
    try:
        out = subprocess.run(
            ["pkg-config", *args, "openssl"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return shlex.split(out.stdout)


def find_openssl():
    """Return (include_dirs, library_dirs, runtime_library_dirs)."""
    prefix = os.environ.get("PYSSL_OPENSSL_DIR")
    if prefix:
        inc = os.path.join(prefix, "include")
        libs = [
            d
            for d in (os.path.join(prefix, "lib64"), os.path.join(prefix, "lib"))
            if os.path.isdir(d)
        ]
        if not os.path.exists(os.path.join(inc, "openssl", "ssl.h")):
            sys.exit(
                MISSING_OPENSSL + " (PYSSL_OPENSSL_DIR=%s has no include/openssl/ssl.h)" % prefix
            )
        return [inc], libs, libs
    cflags = _pkg_config("--cflags-only-I")
    ldflags = _pkg_config("--libs-only-L")
    if cflags is not None and ldflags is not None:
        inc = [f[2:] for f in cflags]
        return inc, [f[2:] for f in ldflags], []
    return [], [], []


def have_headers(include_dirs):
    candidates = include_dirs + ["/usr/include", "/usr/local/include"]
    if any(os.path.exists(os.path.join(d, "openssl", "ssl.h")) for d in candidates):
        return True
    # Last resort: ask the compiler (covers multiarch and non-standard toolchains).
    probe = subprocess.run(
        ["cc", "-E", "-x", "c", "-", "-o", os.devnull],
        input="#include <openssl/ssl.h>\n",
        text=True,
        capture_output=True,
    )
    return probe.returncode == 0


def extension():
    include_dirs, library_dirs, rpath = find_openssl()
    if "egg_info" not in sys.argv and "sdist" not in sys.argv and not have_headers(include_dirs):
        sys.exit(MISSING_OPENSSL)
    cflags, ldflags = compile_flags()
    libraries = ["libssl", "libcrypto"] if sys.platform == "win32" else ["ssl", "crypto"]
    extra_objects = []
    if os.environ.get("PYSSL_STATIC_OPENSSL") and sys.platform != "win32":
        # Link the archives themselves; --exclude-libs (compile_flags) keeps
        # their symbols out of the extension's dynamic symbol table.
        archives = [d for d in library_dirs if os.path.exists(os.path.join(d, "libssl.a"))]
        if not archives:
            sys.exit(
                "pyssl: PYSSL_STATIC_OPENSSL=1 needs libssl.a and libcrypto.a in "
                "PYSSL_OPENSSL_DIR's lib/ or lib64/"
            )
        extra_objects = [
            os.path.join(archives[0], "libssl.a"),
            os.path.join(archives[0], "libcrypto.a"),
        ]
        libraries = ["pthread"] + (["dl"] if sys.platform.startswith("linux") else [])
        rpath = []
    sources = sorted(
        os.path.relpath(p, HERE) for p in glob.glob(os.path.join(HERE, "csrc", "*.c"))
    )
    return Extension(
        "pyssl._ssl",
        sources=sources,
        include_dirs=["csrc"] + include_dirs,
        library_dirs=library_dirs,
        runtime_library_dirs=rpath if sys.platform != "win32" else [],
        libraries=libraries,
        extra_objects=extra_objects,
        define_macros=[("PYSSL_MODULE_NAME", '"pyssl._ssl"')],
        extra_compile_args=cflags,
        extra_link_args=ldflags,
        depends=glob.glob(os.path.join("csrc", "*.h")),
    )


def license_metadata():
    """MIT, and the LICENSE file in the sdist and the wheel. setuptools 77+
    writes it as an SPDX License-Expression (PEP 639); older ones, which
    reject that, as the License field."""
    if SETUPTOOLS_MAJOR >= 77:
        return {"license_expression": "MIT", "license_files": ["LICENSE"]}
    return {"license": "MIT", "license_files": ["LICENSE"]}


def pth_line():
    """The start-up hook's one line: PTH_LINE in src/_pyssl_startup.py."""
    import ast

    with open(os.path.join(HERE, "src", "_pyssl_startup.py")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["PTH_LINE"]:
            return ast.literal_eval(node.value)
    sys.exit("pyssl: src/_pyssl_startup.py has no PTH_LINE")


class build_py_with_pth(build_py):
    """Also put pyssl-core.pth at the root of site-packages, next to
    _pyssl_startup.py, which its line imports at every start-up: it lets
    PYSSL_INJECT=1 switch a program to pyssl, and gives an interpreter
    without _ssl pyssl's core (see src/_pyssl_startup.py)."""

    def run(self):
        super().run()
        with open(os.path.join(self.build_lib, "pyssl-core.pth"), "w") as f:
            f.write(pth_line() + "\n")


setup(ext_modules=[extension()], cmdclass={"build_py": build_py_with_pth}, **license_metadata())
