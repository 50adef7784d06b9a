"""The compiler and linker flags of pyssl._ssl, in one place.

setup.py (the wheel, CI's -Werror builds) and ci/devbuild.py (developer
and sanitizer builds) both take their flags from compile_flags(), so a
switch means the same in both. Switches, from the environment:

  PYSSL_WERROR=1          -Wall -Wextra -Werror
  PYSSL_DEBUG=1           -O0 -g3, and asserts on (-UNDEBUG)
  PYSSL_ASAN=1            AddressSanitizer (and PYSSL_DEBUG's flags)
  PYSSL_UBSAN=1           UndefinedBehaviorSanitizer (and PYSSL_DEBUG's flags)
  PYSSL_SANITIZE=LIST     any other -fsanitize= list (the fuzzing build)
  PYSSL_STATIC_OPENSSL=1  OpenSSL linked in statically, its symbols hidden

This file is plain Python with no imports beyond os and sys, so both can
load it without installing anything.
"""

import os
import sys


def sanitizers(env=os.environ):
    """The -fsanitize= list the switches ask for, '' for none."""
    names = [n for n in env.get("PYSSL_SANITIZE", "").split(",") if n]
    if env.get("PYSSL_ASAN") and "address" not in names:
        names.append("address")
    if env.get("PYSSL_UBSAN") and "undefined" not in names:
        names.append("undefined")
    return ",".join(names)


def compile_flags(env=os.environ, platform=sys.platform):
    """(cflags, ldflags) for the C core, given the switches in env."""
    cflags, ldflags = [], []
    if platform == "win32":
        return cflags, ldflags
    # Only PyInit__ssl is the extension's interface; pyssl_* stay internal.
    cflags.append("-fvisibility=hidden")
    if env.get("PYSSL_WERROR"):
        cflags += [
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
            "-Wno-missing-field-initializers",
        ]
    sanitize = sanitizers(env)
    if env.get("PYSSL_DEBUG") or sanitize:
        cflags += ["-O0", "-g3", "-UNDEBUG"]
    if sanitize:
        cflags += ["-fsanitize=" + sanitize, "-fno-omit-frame-pointer"]
        ldflags += ["-fsanitize=" + sanitize]
    # A statically linked OpenSSL (wheels) must not export its symbols.
    if env.get("PYSSL_STATIC_OPENSSL"):
        ldflags += ["-Wl,--exclude-libs,ALL"]
    return cflags, ldflags
