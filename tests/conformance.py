#!/usr/bin/env python3
"""Run CPython's own ssl-using test suites against pyssl, and compare.

CPython's test suites are pyssl's specification (see DESIGN.md,
"Conformance").  Every interpreter carries its own ``test`` package; this
script runs a suite from it in a fresh subprocess per (interpreter, mode,
suite), with the ssl modules replaced *before anything imports ssl*:

  stdlib  nothing replaced: the baseline
  core    sys.modules["_ssl"] = pyssl._ssl; the interpreter's own Lib/ssl.py
          then runs on pyssl's C core
  full    sys.modules["ssl"] = pyssl; sys.modules["_ssl"] = pyssl._ssl

The core and full modes also put pyssl's asyncio TLS protocol in asyncio's
place as injecting pyssl does (pyssl/asyncio.py: on 3.11+, when asyncio is
imported), unless PYSSL_ASYNCIO=0; with PYSSL_ASYNCIO=1 it is installed at
once, and a refusal is an error.

The parent compares every test's outcome with the stdlib run of the same
suite on the same interpreter in the same invocation: a test that passes on
the stdlib and does not pass under pyssl is a regression, unless the
deviations file (tests/deviations.txt) lists it for that interpreter and mode.

Usage:
  python tests/conformance.py --python PY [--python PY ...] \\
      [--modes stdlib,core,full] [--suite test.test_ssl ...] \\
      [--deviations tests/deviations.txt] [--timeout 900] [--jobs 2] [--gate]

An interpreter built with pyssl's C core as its built-in _ssl
(ci/build-embedded-cpython.sh) is run with --stock-ssl PATH, PATH being the
same source tree's stock _ssl built as an extension module: there the stdlib
mode loads that stock _ssl in place of the built-in one (the baseline), and
core mode is the interpreter as built (its own Lib/ssl.py over the built-in
pyssl core); full mode is not available.

With --gate the exit status is 1 on any regression that is not a listed
deviation, or any hang or crash; without it the run only reports (exit 0).

The worker half (``--worker``) is what each subprocess runs; it is an
implementation detail of this script.

This file runs on every interpreter from 3.8 on: keep its syntax 3.8-safe.
"""

import argparse
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

MODES = ("stdlib", "core", "full")
DEFAULT_SUITES = ("test.test_ssl",)
KNOWN_SUITES = (
    "test.test_ssl",
    "test.test_asyncio.test_ssl",
    "test.test_asyncio.test_sslproto",
    "test.test_httplib",
    "test.test_urllib2_localnet",
    "test.test_ftplib",
    "test.test_imaplib",
    "test.test_poplib",
)
# The outcome of one test, as recorded by the worker.
PASS, FAIL, ERROR, SKIP, XFAIL, XPASS = (
    "pass",
    "fail",
    "error",
    "skip",
    "expected-failure",
    "unexpected-success",
)
# Set by the parent when a test started but never finished (the worker died
# or hung in it), or when the stdlib ran a test the pyssl mode never reached.
NOT_RUN = "not-run"
# How bad an outcome is, for a test that reports more than once (subtests).
_SEVERITY = {PASS: 0, SKIP: 1, XFAIL: 1, XPASS: 2, FAIL: 3, ERROR: 4}
# Worker exit statuses for failures before the tests run.
EXIT_ABSENT = 3  # the suite module does not exist on this interpreter
EXIT_SETUP = 4  # the mode could not be set up (pyssl missing, ...)

SCRIPT = os.path.abspath(__file__)


# --------------------------------------------------------------------------
# Worker: runs inside the interpreter under test.
# --------------------------------------------------------------------------


def _load_stock_ssl(path):
    """Make the extension module at *path* the _ssl every later import gets."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_ssl", path)
    if spec is None:
        raise RuntimeError("%s is not an extension module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_ssl"] = module
    spec.loader.exec_module(module)


def _install_embedded_mode(mode, stock_ssl):
    """--stock-ssl: stdlib is the stock _ssl from that file, core the built-in."""
    if "_ssl" not in sys.builtin_module_names:
        raise RuntimeError("--stock-ssl: this interpreter has no built-in _ssl")
    if mode == "stdlib":
        _load_stock_ssl(stock_ssl)
    elif mode != "core":
        raise RuntimeError("--stock-ssl: only the stdlib and core modes exist here")
    import ssl
    import _ssl

    if mode == "stdlib" and getattr(_ssl, "__file__", None) != stock_ssl:
        raise RuntimeError("stdlib mode: _ssl is %r, not %s" % (_ssl, stock_ssl))
    if mode == "core" and hasattr(_ssl, "__file__"):
        raise RuntimeError("core mode: _ssl is %r, not the built-in one" % (_ssl,))
    return {
        "ssl": ssl.__file__,
        "_ssl": getattr(_ssl, "__file__", repr(_ssl)),
        "openssl": ssl.OPENSSL_VERSION,
    }


def _install_mode(mode, stock_ssl=None):
    """Replace the ssl modules for *mode*; return a description of what ssl is.

    Must run before anything imports ssl: a module that did ``import ssl``
    earlier keeps the old one.
    """
    if mode not in MODES:
        raise SystemExit("unknown mode %r" % mode)
    already = [m for m in ("ssl", "_ssl") if m in sys.modules]
    if already and (mode != "stdlib" or stock_ssl):
        raise RuntimeError("%s imported before the mode was set up" % ", ".join(already))
    if stock_ssl:
        return _install_embedded_mode(mode, stock_ssl)
    if mode in ("core", "full"):
        import pyssl._ssl

        sys.modules["_ssl"] = pyssl._ssl
        if mode == "full":
            import pyssl

            sys.modules["ssl"] = pyssl
    import ssl
    import _ssl

    if mode in ("core", "full") and os.environ.get("PYSSL_ASYNCIO") == "1":
        import pyssl.asyncio

        if not pyssl.asyncio.install():
            raise RuntimeError("PYSSL_ASYNCIO=1: pyssl.asyncio.install() declined")
    elif mode in ("core", "full"):
        # pyssl's asyncio TLS protocol in asyncio's place, as injecting
        # does (pyssl/asyncio.py); a pyssl without it (this runner's own
        # tests use a stand-in) runs as it is.
        try:
            from pyssl.asyncio import _on_inject
        except ImportError:
            _on_inject = None
        if _on_inject is not None:
            _on_inject()
    if mode == "core":
        import pyssl._ssl

        if ssl._ssl is not pyssl._ssl:
            raise RuntimeError("core mode: ssl._ssl is %r, not pyssl._ssl" % (ssl._ssl,))
    if mode == "full":
        import pyssl

        if ssl is not pyssl:
            raise RuntimeError("full mode: import ssl gave %r, not pyssl" % (ssl,))
    return {
        "ssl": getattr(ssl, "__file__", repr(ssl)),
        "_ssl": getattr(_ssl, "__file__", repr(_ssl)),
        "openssl": getattr(ssl, "OPENSSL_VERSION", None),
    }


def _all_resources():
    for modname in ("test.libregrtest.utils", "test.libregrtest.cmdline"):
        try:
            mod = __import__(modname, fromlist=["ALL_RESOURCES"])
        except ImportError:
            continue
        res = getattr(mod, "ALL_RESOURCES", None)
        if res:
            return list(res)
    return [
        "audio",
        "curses",
        "largefile",
        "network",
        "decimal",
        "cpu",
        "subprocess",
        "urlfetch",
        "gui",
        "walltime",
    ]


def _enable_resources(exclude):
    from test import support

    resources = [r for r in _all_resources() if r not in exclude]
    support.use_resources = resources
    support.verbose = 0
    return resources


def _load_suite(name):
    """Load the tests of module *name* as regrtest would."""
    import importlib
    import unittest

    module = importlib.import_module(name)
    loader = unittest.TestLoader()
    if hasattr(module, "load_tests") or not hasattr(module, "test_main"):
        return loader.loadTestsFromModule(module)
    # Old-style module (3.8): test_main() picks the classes (and leaves out
    # those needing a resource) and hands them to support.run_unittest.
    # Capture that instead of letting it run them.
    from test import support

    captured = unittest.TestSuite()

    def capture(*classes):
        for cls in classes:
            if isinstance(cls, str):
                captured.addTest(loader.loadTestsFromModule(sys.modules[cls]))
            elif isinstance(cls, type) and issubclass(cls, unittest.TestCase):
                captured.addTest(loader.loadTestsFromTestCase(cls))
            else:
                captured.addTest(cls)

    missing = object()
    patched = [(support, "run_unittest", getattr(support, "run_unittest", missing))]
    if hasattr(module, "run_unittest"):
        patched.append((module, "run_unittest", module.run_unittest))
    for obj, attr, _ in patched:
        setattr(obj, attr, capture)
    try:
        module.test_main()
    finally:
        for obj, attr, old in patched:
            if old is missing:
                delattr(obj, attr)
            else:
                setattr(obj, attr, old)
    return captured


def _select(suite, wanted):
    """The tests of *suite* whose ids are in *wanted*, as a flat suite."""
    import unittest

    flat = unittest.TestSuite()

    def walk(node):
        if isinstance(node, unittest.TestSuite):
            for child in node:
                walk(child)
        elif _test_id(node) in wanted:
            flat.addTest(node)

    walk(suite)
    return flat


def _test_id(test):
    try:
        return test.id()
    except Exception:
        return str(test)


class _Recorder(object):
    """Records outcomes and streams progress lines to a side file.

    The progress file gets "start <id>" before a test runs and
    "end <id> <outcome>" after it, flushed each time, so that if the process
    dies the parent still knows what finished and what was running.
    """

    def __init__(self, progress):
        self.progress = progress
        self.results = {}  # id -> {"outcome", "detail", "time"}
        self._started = {}

    def _write(self, line):
        self.progress.write(line + "\n")
        self.progress.flush()

    def start(self, tid):
        self._started[tid] = time.monotonic()
        self._write("start " + tid)

    def record(self, tid, outcome, detail=""):
        prev = self.results.get(tid)
        if prev is not None and _SEVERITY[prev["outcome"]] >= _SEVERITY[outcome]:
            return
        started = self._started.get(tid)
        self.results[tid] = {
            "outcome": outcome,
            "detail": detail[-4000:] if detail else "",
            "time": round(time.monotonic() - started, 3) if started else 0.0,
        }

    def stop(self, tid):
        res = self.results.get(tid)
        self._write("end %s %s" % (tid, res["outcome"] if res else PASS))


def _make_result_class(recorder):
    import unittest

    class Result(unittest.TestResult):
        def __init__(self, *a, **kw):
            super(Result, self).__init__(*a, **kw)

        def startTest(self, test):
            super(Result, self).startTest(test)
            recorder.start(_test_id(test))

        def stopTest(self, test):
            super(Result, self).stopTest(test)
            recorder.stop(_test_id(test))

        def _fmt(self, err):
            try:
                return self._exc_info_to_string(err, None)
            except Exception:
                return repr(err[1])

        def addSuccess(self, test):
            super(Result, self).addSuccess(test)
            recorder.record(_test_id(test), PASS)

        def addFailure(self, test, err):
            super(Result, self).addFailure(test, err)
            recorder.record(_test_id(test), FAIL, self._fmt(err))

        def addError(self, test, err):
            # Also reached for setUpClass/setUpModule failures, with an
            # _ErrorHolder whose id is e.g. "setUpClass (mod.Class)".
            super(Result, self).addError(test, err)
            tid = _test_id(test)
            if tid not in recorder._started:
                recorder._write("start " + tid)
                recorder.record(tid, ERROR, self._fmt(err))
                recorder.stop(tid)
            else:
                recorder.record(tid, ERROR, self._fmt(err))

        def addSkip(self, test, reason):
            super(Result, self).addSkip(test, reason)
            recorder.record(_test_id(test), SKIP, str(reason))

        def addExpectedFailure(self, test, err):
            super(Result, self).addExpectedFailure(test, err)
            recorder.record(_test_id(test), XFAIL, self._fmt(err))

        def addUnexpectedSuccess(self, test):
            super(Result, self).addUnexpectedSuccess(test)
            recorder.record(_test_id(test), XPASS)

        def addSubTest(self, test, subtest, err):
            super(Result, self).addSubTest(test, subtest, err)
            if err is not None:
                # A failing subtest fails the test it belongs to.
                tid = _test_id(test)
                kind = FAIL if issubclass(err[0], test.failureException) else ERROR
                recorder.record(tid, kind, "%s\n%s" % (subtest, self._fmt(err)))

    return Result


def worker_main(args):
    # Nothing next to this script may shadow a stdlib module in the worker.
    here = os.path.dirname(SCRIPT)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    out = {
        "suite": args.suite,
        "mode": args.mode,
        "python": sys.executable,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "status": "ok",
        "results": {},
    }

    def dump(code):
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
        return code

    import faulthandler

    faulthandler.enable(all_threads=True)
    if args.timeout and args.timeout > 30:
        # Leave a traceback of every thread in the log before the parent
        # kills a hung worker.
        faulthandler.dump_traceback_later(args.timeout - 15, exit=False)

    try:
        out["ssl"] = _install_mode(args.mode, args.stock_ssl)
    except BaseException:
        import traceback

        out["status"] = "setup-error"
        out["detail"] = traceback.format_exc()
        sys.stderr.write(out["detail"])
        return dump(EXIT_SETUP)

    import unittest

    out["resources"] = _enable_resources(set(args.no_resource))
    try:
        suite = _load_suite(args.suite)
    except unittest.SkipTest as exc:
        out["status"] = "skipped"
        out["detail"] = str(exc)
        return dump(0)
    except Exception as exc:
        import traceback

        missing = getattr(exc, "name", None)
        if (
            isinstance(exc, ImportError)
            and missing
            and (args.suite == missing or args.suite.startswith(missing + "."))
        ):
            out["status"] = "absent"
            out["detail"] = str(exc)
            return dump(EXIT_ABSENT)
        # The suite exists but could not be loaded (an import inside it
        # failed, test_main broke...): that fails the run, with the traceback.
        out["status"] = "setup-error"
        out["detail"] = "loading %s failed:\n%s" % (args.suite, traceback.format_exc())
        sys.stderr.write(out["detail"])
        return dump(EXIT_SETUP)

    if args.only:
        with open(args.only) as f:
            suite = _select(suite, set(json.load(f)))
    with open(args.progress, "a") as progress:
        recorder = _Recorder(progress)
        result = _make_result_class(recorder)()
        t0 = time.monotonic()
        suite.run(result)
        out["time"] = round(time.monotonic() - t0, 2)
    faulthandler.cancel_dump_traceback_later()
    out["results"] = recorder.results
    out["testsRun"] = result.testsRun
    return dump(0)


# --------------------------------------------------------------------------
# Parent: runs workers, compares, reports.
# --------------------------------------------------------------------------


class Run(object):
    """One (interpreter, mode, suite) worker and what came of it."""

    def __init__(self, interp, mode, suite, workdir, only=None):
        self.interp = interp
        self.mode = mode
        self.suite = suite
        self.only = only  # a list of test ids to run, or None for all
        tag = "%s-%s-%s%s" % (
            interp["key"],
            mode,
            suite.replace(".", "_"),
            "-retry" if only else "",
        )
        self.json = os.path.join(workdir, tag + ".json")
        self.progress = os.path.join(workdir, tag + ".progress")
        self.log = os.path.join(workdir, tag + ".log")
        self.cwd = os.path.join(workdir, tag + ".cwd")
        # ok | absent | skipped | hang | crash | setup-error
        self.status = None
        self.detail = ""
        self.results = {}
        self.time = 0.0
        self.last_test = None

    def counts(self):
        c = dict.fromkeys((PASS, FAIL, ERROR, SKIP, XFAIL, XPASS, NOT_RUN), 0)
        for r in self.results.values():
            c[r["outcome"]] += 1
        return c


def _read_progress(path):
    """Return ({id: outcome} of finished tests, id of an unfinished test)."""
    done, running = {}, None
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return done, running
    for line in lines:
        if line.startswith("start "):
            running = line[6:]
        elif line.startswith("end "):
            tid, _, outcome = line[4:].rpartition(" ")
            done[tid] = outcome
            if running == tid:
                running = None
    return done, running


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        proc.kill()


def run_worker(run, timeout, no_resource, stock_ssl=None):
    os.makedirs(run.cwd, exist_ok=True)
    cmd = [
        run.interp["python"],
        SCRIPT,
        "--worker",
        "--mode",
        run.mode,
        "--suite",
        run.suite,
        "--json",
        run.json,
        "--progress",
        run.progress,
        "--timeout",
        str(timeout),
    ]
    for r in no_resource:
        cmd += ["--no-resource", r]
    if stock_ssl:
        cmd += ["--stock-ssl", stock_ssl]
    if run.only:
        only = run.json + ".only"
        with open(only, "w") as f:
            json.dump(run.only, f)
        cmd += ["--only", only]
    env = dict(os.environ)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    env.pop("PYTHONHOME", None)
    t0 = time.monotonic()
    with open(run.log, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=run.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.wait()
            rc = None
        else:
            # Children a test left behind (servers, openssl s_server, ...).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
    run.time = round(time.monotonic() - t0, 1)
    data = None
    if rc is not None and os.path.exists(run.json):
        try:
            with open(run.json) as f:
                data = json.load(f)
        except ValueError:
            data = None
    if data is not None:
        run.status = data.get("status", "ok")
        run.detail = data.get("detail", "")
        run.results = data.get("results", {})
        run.ssl = data.get("ssl")
        if rc != 0 and run.status == "ok":
            # Results were written but the interpreter then died (at exit).
            run.status = "crash"
            run.detail = "exit status %s after the tests finished\n%s" % (rc, _tail(run.log))
        return run
    # No JSON: the worker hung or died. Rebuild what it did from the
    # progress file, and name the test that was running.
    done, running = _read_progress(run.progress)
    run.results = dict(
        (tid, {"outcome": out, "detail": "", "time": 0.0}) for tid, out in done.items()
    )
    run.last_test = running
    if running is not None:
        run.results[running] = {"outcome": NOT_RUN, "detail": "", "time": 0.0}
    if rc is None:
        run.status = "hang"
        run.detail = "killed after %ss" % timeout
    else:
        run.status = "crash"
        how = ("signal %s" % _signame(-rc)) if rc < 0 else ("exit status %s" % rc)
        run.detail = how
    run.detail += (" in %s" % running) if running else " outside any test"
    run.detail += "\n" + _tail(run.log)
    return run


def _signame(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return str(num)


# --- deviations -----------------------------------------------------------


class Deviation(object):
    def __init__(self, interp_glob, mode, test_glob, reason, where):
        self.interp_glob = interp_glob
        self.mode = mode
        self.test_glob = test_glob
        self.reason = reason
        self.where = where
        self.used = False

    def matches(self, version, mode, tid):
        return (
            fnmatch.fnmatchcase(version, self.interp_glob)
            and fnmatch.fnmatchcase(mode, self.mode)
            and fnmatch.fnmatchcase(tid, self.test_glob)
        )


def parse_deviations(text, filename="<deviations>"):
    """Parse the deviations format; see the header of tests/deviations.txt."""
    devs = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line, _, reason = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3:
            raise ValueError(
                "%s:%d: expected '<interpreter-glob> <mode> <test id>  # reason', got %r"
                % (filename, lineno, raw)
            )
        interp, mode, tid = fields
        if mode != "*" and not any(fnmatch.fnmatchcase(m, mode) for m in MODES):
            raise ValueError(
                "%s:%d: mode %r matches none of %s" % (filename, lineno, mode, ", ".join(MODES))
            )
        if not reason.strip():
            raise ValueError("%s:%d: a deviation needs a reason after '#'" % (filename, lineno))
        devs.append(Deviation(interp, mode, tid, reason.strip(), "%s:%d" % (filename, lineno)))
    return devs


def find_deviation(devs, version, mode, tid):
    for d in devs:
        if d.matches(version, mode, tid):
            d.used = True
            return d
    return None


# --- comparison -----------------------------------------------------------


def compare(base, run, devs, version):
    """Return (regressions, deviations, improvements) for *run* vs *base*.

    regressions/deviations: [(id, stdlib outcome, mode outcome, detail/reason)]
    improvements: tests that do not pass on the stdlib but pass here.
    """
    regressions, deviations, improvements = [], [], []
    ids = sorted(set(base.results) | set(run.results))
    for tid in ids:
        b = base.results.get(tid, {}).get("outcome", NOT_RUN)
        r = run.results.get(tid, {}).get("outcome", NOT_RUN)
        if b in (PASS, XFAIL) and r != b:
            dev = find_deviation(devs, version, run.mode, tid)
            if dev is not None:
                deviations.append((tid, b, r, dev.reason))
            else:
                regressions.append((tid, b, r, run.results.get(tid, {}).get("detail", "")))
        elif b not in (PASS, XFAIL) and r == PASS:
            improvements.append((tid, b, r, ""))
    return regressions, deviations, improvements


def _interp_info(python):
    out = subprocess.run(
        [
            python,
            "-c",
            "import sys, ssl; print('%d.%d.%d' % sys.version_info[:3]); print(ssl.OPENSSL_VERSION)",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit("cannot run %s: %s" % (python, out.stderr.strip()))
    version, openssl = out.stdout.splitlines()[:2]
    return {"python": python, "version": version, "openssl": openssl}


def _cell(run):
    if run is None:
        return "-"
    if run.status in ("absent", "skipped", "setup-error"):
        return run.status
    c = run.counts()
    text = "%d/%d/%d/%d" % (c[PASS] + c[XFAIL], c[FAIL] + c[XPASS], c[ERROR], c[SKIP])
    if run.status != "ok":
        text += " " + run.status.upper()
    return "%s %5.0fs" % (text, run.time)


def report(interps, modes, suites, runs, devs, stream=sys.stdout):
    """Print the report; return (gate_failed, summary lines)."""
    w = stream.write
    gate_failed = False
    summaries = []
    for interp in interps:
        w(
            "\n== Python %s  (%s; %s) ==\n"
            % (interp["version"], interp["python"], interp["openssl"])
        )
        w(
            "   cells: passed/failed/errors/skipped and wall time"
            " (expected failures count as passed, unexpected successes as failed)\n"
        )
        width = max([len(s) for s in suites] + [5]) + 2
        w("   " + "suite".ljust(width) + "".join(m.ljust(28) for m in modes) + "\n")
        for suite in suites:
            w(
                "   "
                + suite.ljust(width)
                + "".join(_cell(runs.get((interp["key"], m, suite))).ljust(28) for m in modes)
                + "\n"
            )
        for mode in modes:
            stats = dict.fromkeys(
                (
                    "suites",
                    PASS,
                    FAIL,
                    ERROR,
                    SKIP,
                    "regressions",
                    "deviations",
                    "hangs",
                    "crashes",
                    "setup",
                    "absent",
                ),
                0,
            )
            for suite in suites:
                run = runs.get((interp["key"], mode, suite))
                if run is None:
                    continue
                if run.status == "absent":
                    stats["absent"] += 1
                    continue
                stats["suites"] += 1
                c = run.counts()
                stats[PASS] += c[PASS] + c[XFAIL]
                stats[FAIL] += c[FAIL] + c[XPASS]
                stats[ERROR] += c[ERROR] + c[NOT_RUN]
                stats[SKIP] += c[SKIP]
                label = "%s %s %s" % (interp["version"], mode, suite)
                if run.status in ("hang", "crash", "setup-error"):
                    key = {"hang": "hangs", "crash": "crashes", "setup-error": "setup"}[run.status]
                    stats[key] += 1
                    w("\n   %s: %s: %s\n" % (run.status.upper(), label, _indent(run.detail)))
                if mode == "stdlib":
                    continue
                base = runs.get((interp["key"], "stdlib", suite))
                if base is None or base.status in ("absent", "setup-error"):
                    continue
                if run.status == "setup-error":
                    continue  # reported above; no test ran to compare
                regs, deviations, better = compare(base, run, devs, interp["version"])
                stats["regressions"] += len(regs)
                stats["deviations"] += len(deviations)
                if regs:
                    w("\n   REGRESSIONS (%s): pass on the stdlib, not under %s\n" % (label, mode))
                    unreached = [x for x in regs if x[2] == NOT_RUN]
                    if run.status in ("hang", "crash") and unreached:
                        # Everything after a hang or crash never ran: one line.
                        regs = [x for x in regs if x[2] != NOT_RUN]
                    else:
                        unreached = []
                    for tid, b, r, detail in regs:
                        w("     %s  [%s -> %s]\n" % (tid, b, r))
                        if detail:
                            w("        " + _indent(_last_line(detail), 8) + "\n")
                    if unreached:
                        w(
                            "     ... and %d tests that never ran (%s)\n"
                            % (len(unreached), run.status)
                        )
                if deviations:
                    w("\n   deviations (%s), listed in the deviations file:\n" % label)
                    for tid, b, r, reason in deviations:
                        w("     %s  [%s -> %s]  # %s\n" % (tid, b, r, reason))
                if better:
                    w(
                        "\n   info (%s): not passing on the stdlib, passing under %s\n"
                        % (label, mode)
                    )
                    for tid, b, r, _ in better:
                        w("     %s  [%s -> %s]\n" % (tid, b, r))
            bad = stats["regressions"] or stats["hangs"] or stats["crashes"] or stats["setup"]
            gate_failed = gate_failed or bool(bad)
            line = (
                "SUMMARY %s %s: %d suites (%d absent), %d passed, %d failed, %d errors, "
                "%d skipped; %d regressions, %d deviations, %d hangs, %d crashes%s -> %s"
                % (
                    interp["version"],
                    mode,
                    stats["suites"],
                    stats["absent"],
                    stats[PASS],
                    stats[FAIL],
                    stats[ERROR],
                    stats[SKIP],
                    stats["regressions"],
                    stats["deviations"],
                    stats["hangs"],
                    stats["crashes"],
                    (", %d setup errors" % stats["setup"]) if stats["setup"] else "",
                    "FAIL" if bad else "ok",
                )
            )
            summaries.append(line)
    unused = [d for d in devs if not d.used]
    if unused:
        w("\n   info: deviations that matched nothing in this run:\n")
        for d in unused:
            w("     %s: %s %s %s\n" % (d.where, d.interp_glob, d.mode, d.test_glob))
    w("\n")
    for line in summaries:
        w(line + "\n")
    return gate_failed, summaries


def _last_line(detail):
    lines = [ln for ln in detail.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _indent(text, n=6):
    return text.rstrip().replace("\n", "\n" + " " * n)


def parent_main(args):
    modes = []
    for chunk in args.modes:
        for m in chunk.split(","):
            m = m.strip()
            if not m:
                continue
            if m not in MODES:
                raise SystemExit("unknown mode %r (choose from %s)" % (m, ", ".join(MODES)))
            if m not in modes:
                modes.append(m)
    if "stdlib" not in modes:
        # Every comparison is against a stdlib run in the same invocation.
        modes.insert(0, "stdlib")
    modes.sort(key=MODES.index)
    if args.stock_ssl and "full" in modes:
        raise SystemExit("--stock-ssl: full mode needs pyssl installed; use stdlib,core")
    suites = []
    for chunk in args.suite or list(DEFAULT_SUITES):
        for s in chunk.split(","):
            if s.strip() and s.strip() not in suites:
                suites.append(s.strip())
    devs = []
    for path in args.deviations or []:
        with open(path) as f:
            devs += parse_deviations(f.read(), path)
    pythons = args.python or [sys.executable]
    interps = []
    for i, py in enumerate(pythons):
        info = _interp_info(py)
        info["key"] = "py%s-%d" % (info["version"], i)
        interps.append(info)

    workdir = args.workdir or tempfile.mkdtemp(prefix="pyssl-conformance-")
    os.makedirs(workdir, exist_ok=True)
    print(
        "conformance: %d interpreter(s), modes %s, suites %s; logs in %s"
        % (len(interps), ",".join(modes), " ".join(suites), workdir)
    )
    sys.stdout.flush()

    runs = {}
    todo = [
        Run(interp, mode, suite, workdir)
        for interp in interps
        for suite in suites
        for mode in modes
    ]
    lock = threading.Lock()

    def take():
        with lock:
            return todo.pop(0) if todo else None

    def loop():
        while True:
            run = take()
            if run is None:
                return
            run_worker(run, args.timeout, args.no_resource, args.stock_ssl)
            with lock:
                runs[(run.interp["key"], run.mode, run.suite)] = run
                c = run.counts()
                print(
                    "  done %-8s %-7s %-34s %-12s %4d tests %6.1fs"
                    % (
                        run.interp["version"],
                        run.mode,
                        run.suite,
                        run.status,
                        sum(c.values()),
                        run.time,
                    )
                )
                sys.stdout.flush()

    threads = [threading.Thread(target=loop) for _ in range(max(1, args.jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    if not args.no_retry:
        retry_regressions(interps, runs, devs, args, workdir)
    gate_failed, _ = report(interps, modes, suites, runs, devs)
    if args.report_json:
        blob = {
            "%s %s %s" % (k[0], k[1], k[2]): {
                "status": r.status,
                "time": r.time,
                "detail": r.detail,
                "counts": r.counts(),
                "results": r.results,
            }
            for k, r in runs.items()
        }
        with open(args.report_json, "w") as f:
            json.dump(blob, f, indent=1, sort_keys=True)
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.gate and gate_failed:
        return 1
    return 0


def retry_regressions(interps, runs, devs, args, workdir):
    """Run each regression again, alone, under the stdlib and under pyssl.

    Timing-dependent tests (a server thread that stops itself on the first
    error, a race with a peer's close) can fail once on either side. A
    regression stands only if it comes back: the stdlib passes the retry and
    pyssl does not. Otherwise the first outcome is replaced by the retry's
    and the test is listed as flaky. Crashes and hangs are never retried.
    """
    version_of = dict((i["key"], i["version"]) for i in interps)
    flaky = []
    for (key, mode, suite), run in sorted(runs.items()):
        base = runs.get((key, "stdlib", suite))
        if mode == "stdlib" or base is None or run.status != "ok" or base.status != "ok":
            continue
        regressions = compare(base, run, devs, version_of[key])[0]
        ids = [r[0] for r in regressions]
        if not ids:
            continue
        again = {}
        for side in ("stdlib", mode):
            retry = Run(run.interp, side, suite, workdir, only=ids)
            run_worker(retry, args.timeout, args.no_resource, args.stock_ssl)
            again[side] = retry.results
        for tid in ids:
            b = again["stdlib"].get(tid, {}).get("outcome", NOT_RUN)
            r = again[mode].get(tid, {}).get("outcome", NOT_RUN)
            if b in (PASS, XFAIL) and r not in (PASS, XFAIL):
                continue  # it came back: a real regression
            flaky.append((run.interp["version"], mode, tid, b, r))
            base.results[tid] = again["stdlib"].get(tid, base.results.get(tid))
            run.results[tid] = again[mode].get(tid, run.results.get(tid))
    if flaky:
        print(
            "\nflaky: failed once, not on an isolated retry (stdlib, pyssl outcomes of the retry):"
        )
        for version, mode, tid, b, r in flaky:
            print("   %s %s %s  [%s, %s]" % (version, mode, tid, b, r))
    return flaky


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--python", action="append", help="interpreter to test (repeatable; default: this one)"
    )
    p.add_argument(
        "--modes",
        action="append",
        default=[],
        help="comma-separated modes from stdlib,core,full (default stdlib,core)",
    )
    p.add_argument("--suite", action="append", help="test module, e.g. test.test_ssl (repeatable)")
    p.add_argument(
        "--deviations",
        action="append",
        help="deviations file (see tests/deviations.txt; repeatable)",
    )
    p.add_argument("--gate", action="store_true", help="exit 1 on a regression, hang or crash")
    p.add_argument(
        "--timeout", type=float, default=900.0, help="per-worker wall-clock limit, seconds"
    )
    p.add_argument("--jobs", type=int, default=2, help="workers at a time (default 2)")
    p.add_argument("--workdir", help="keep worker logs and JSON here")
    p.add_argument("--keep", action="store_true", help="keep the temporary workdir")
    p.add_argument("--report-json", help="write every outcome of every run here")
    p.add_argument(
        "--no-retry",
        action="store_true",
        help="count a regression on its first run (default: retry it once, alone)",
    )
    p.add_argument(
        "--no-resource",
        action="append",
        default=None,
        help="test.support resource to leave disabled (default: network)",
    )
    p.add_argument(
        "--stock-ssl",
        help="the interpreter's _ssl is pyssl's, built in: the"
        " stdlib mode loads the stock _ssl from this extension file instead",
    )
    # worker side
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    p.add_argument("--json", help=argparse.SUPPRESS)
    p.add_argument("--progress", help=argparse.SUPPRESS)
    p.add_argument("--only", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.no_resource is None:
        args.no_resource = ["network"]
    if args.worker:
        if not (args.mode and args.suite and args.json and args.progress):
            p.error("--worker needs --mode, --suite, --json and --progress")
        args.suite = args.suite[0]
        return worker_main(args)
    if not args.modes:
        args.modes = ["stdlib,core"]
    if args.stock_ssl:
        args.stock_ssl = os.path.abspath(args.stock_ssl)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
