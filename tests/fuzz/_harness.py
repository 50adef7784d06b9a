"""What every fuzz target shares: how pyssl is imported, which exceptions
are an expected outcome, and the two ways of running a target.

A target is a module tests/fuzz/fuzz_NAME.py with a function fuzz(data)
that ends with `_harness.main(fuzz, "NAME")`. It runs

  * under atheris (libFuzzer, coverage-guided) when atheris imports and
    PYSSL_FUZZ_MODE is not "mutate": the arguments are libFuzzer's
    (corpus directories, -max_total_time=N, ...);
  * otherwise in a plain mutation loop over the seed corpus
    tests/fuzz/corpus/NAME/: bit flips, interesting bytes, splices,
    truncations and insertions, for --seconds N (default 60). Before each
    input runs it is written to ARTIFACTS/last-input (so a crash of the
    process leaves it behind); an unexpected exception saves it as
    ARTIFACTS/crash-SHA1 and exits 1. Files named as arguments are run
    once each instead, to reproduce a finding (libFuzzer does the same).

Any ssl.SSLError, ValueError, OSError or TypeError is an expected outcome;
any other exception, a crash or a sanitizer report is a finding.
"""

import hashlib
import os
import random
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    if os.environ.get("PYSSL_FUZZ_MODE") == "mutate":
        raise ImportError("mutation loop asked for")
    import atheris
except ImportError:
    atheris = None

if atheris is not None:
    # Python-level coverage of pyssl's own layer as well as the C one.
    with atheris.instrument_imports(include=["pyssl"]):
        import pyssl
else:
    import pyssl

ssl = pyssl
EXPECTED = (ssl.SSLError, ValueError, OSError, TypeError)
TMP = tempfile.mkdtemp(prefix="pyssl-fuzz-")


def tmpfile(name, data):
    """Write data (bytes) to a scratch file and return its path."""
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def asset(name):
    """Path of a fixed certificate or key in tests/fuzz/certs/."""
    return os.path.join(HERE, "certs", name)


def expect(call, *args, **kwargs):
    """call(*args, **kwargs), with an expected exception as a result."""
    try:
        return call(*args, **kwargs)
    except EXPECTED as e:
        return e


def _seeds(name):
    d = os.path.join(HERE, "corpus", name)
    seeds = []
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else ():
        with open(os.path.join(d, f), "rb") as fh:
            seeds.append(fh.read())
    return seeds or [b""]


INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x16, 0x17, 0x30, 0x03)


def mutate(data, seeds, rnd):
    """One to four random edits of data."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(6)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:
            b[pos % len(b)] ^= 1 << rnd.randrange(8)
        elif op == 1 and b:
            b[pos % len(b)] = rnd.choice(INTERESTING)
        elif op == 2:
            del b[pos:]
        elif op == 3:
            other = rnd.choice(seeds)
            start = rnd.randrange(len(other) + 1)
            b[pos:] = other[start : start + rnd.randrange(1, 512)]
        elif op == 4:
            b[pos:pos] = os.urandom(rnd.randrange(1, 16))
        elif b:
            end = min(len(b), pos + rnd.randrange(1, 64))
            b[pos:pos] = b[pos:end]
    return bytes(b)


_unraisable = []


def _hook(args):
    # A callback's exception that OpenSSL cannot carry (an SNI name that
    # does not decode, say) is reported here; an unexpected type is a finding.
    _unraisable.append(args.exc_value)


sys.unraisablehook = _hook


def _one(fuzz, data):
    del _unraisable[:]
    try:
        fuzz(data)
    except EXPECTED:
        pass
    for exc in _unraisable:
        if not isinstance(exc, EXPECTED):
            raise exc


def _mutation_loop(fuzz, name, argv):
    seconds = float(os.environ.get("FUZZ_SECONDS", 60))
    artifacts = os.environ.get("FUZZ_ARTIFACTS", TMP)
    if "--seconds" in argv:
        seconds = float(argv[argv.index("--seconds") + 1])
    replay = [a for a in argv if os.path.isfile(a)]
    for path in replay:  # reproduce saved inputs, as libFuzzer does
        with open(path, "rb") as f:
            _one(fuzz, f.read())
        print("%s: %s ran without a finding" % (name, path))
    if replay:
        return
    os.makedirs(artifacts, exist_ok=True)
    last = os.path.join(artifacts, "last-input")
    seeds = _seeds(name)
    rnd = random.Random()
    start = time.monotonic()
    execs = 0
    while time.monotonic() - start < seconds:
        data = (
            seeds[execs % len(seeds)]
            if execs < len(seeds)
            else mutate(rnd.choice(seeds), seeds, rnd)
        )
        with open(last, "wb") as f:
            f.write(data)
        try:
            _one(fuzz, data)
        except Exception:
            crash = os.path.join(artifacts, "crash-" + hashlib.sha1(data).hexdigest())
            os.replace(last, crash)
            traceback.print_exc()
            print("%s: FINDING after %d execs; input saved as %s" % (name, execs, crash))
            sys.exit(1)
        execs += 1
    took = time.monotonic() - start
    print(
        "%s: mutation loop, %d execs in %.0f s (%.0f/s), %d seeds, no finding"
        % (name, execs, took, execs / max(took, 1e-9), len(seeds))
    )


def main(fuzz, name):
    if atheris is None:
        _mutation_loop(fuzz, name, sys.argv[1:])
        return
    atheris.Setup(sys.argv, lambda data: _one(fuzz, data))
    atheris.Fuzz()
