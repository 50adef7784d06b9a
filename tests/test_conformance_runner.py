"""The conformance runner's own logic, on a tiny fake suite.

tests/conformance.py decides whether pyssl conforms; if it silently reported
nothing (or everything as passed), nobody would notice. These tests run it on
a fake test module whose outcomes are known, in every mode, with a fake
``pyssl`` package that stands in for the real one (so they need no build).
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "conformance.py")
sys.path.insert(0, HERE)
import conformance  # noqa: E402

FAKE_SUITE = '''
import os
import signal
import time
import unittest


class Outcomes(unittest.TestCase):
    def test_pass(self):
        pass

    def test_fail(self):
        self.assertEqual(1, 2)

    def test_error(self):
        raise RuntimeError("boom")

    @unittest.skip("not today")
    def test_skip(self):
        pass

    @unittest.expectedFailure
    def test_xfail(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_xpass(self):
        pass

    def test_subtest_fails(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertNotEqual(i, 1)

    def test_uses_core(self):
        # Passes on the stdlib, fails when _ssl is the (fake) pyssl core.
        import ssl
        self.assertFalse(hasattr(ssl._ssl, "PYSSL_FAKE"), "running on the fake core")

    def test_uses_full(self):
        # Passes unless ssl itself is the (fake) pyssl.
        import ssl
        self.assertFalse(hasattr(ssl, "PYSSL_FAKE_FULL"), "running on the fake pyssl")

    def test_resources(self):
        from test import support
        self.assertTrue(support.is_resource_enabled("cpu"))
        self.assertFalse(support.is_resource_enabled("network"))

    def test_zz_misbehave(self):
        if os.environ.get("FAKE_SUITE_HANG"):
            time.sleep(600)
        if os.environ.get("FAKE_SUITE_CRASH"):
            os.kill(os.getpid(), signal.SIGSEGV)
        if os.environ.get("FAKE_SUITE_CRASH_CORE"):
            import ssl
            if hasattr(ssl._ssl, "PYSSL_FAKE"):
                os.abort()


class BrokenSetup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("class setup broken")

    def test_never_runs(self):
        pass
'''

OLD_STYLE_SUITE = '''
import unittest
from test import support


class Listed(unittest.TestCase):
    def test_listed(self):
        pass


class NotListed(unittest.TestCase):
    def test_not_listed(self):
        self.fail("test_main leaves this class out")


def test_main():
    support.run_unittest(Listed)
'''

SKIPPED_SUITE = '''
import unittest
raise unittest.SkipTest("this platform has nothing to test")
'''

FAKE_PYSSL_CORE = '''
import _ssl as _real
globals().update({k: v for k, v in vars(_real).items() if not k.startswith("__")})
PYSSL_FAKE = True
'''

FAKE_PYSSL_INIT = '''
import importlib.util as _u
import os as _os
_spec = _u.find_spec("ssl")
with open(_spec.origin) as _f:
    exec(compile(_f.read(), _spec.origin, "exec"), globals())
PYSSL_FAKE_FULL = True
__path__ = [_os.path.dirname(__file__)]
'''

SUITE = "fake_conformance_suite"


@pytest.fixture
def fake_env(tmp_path, monkeypatch):
    (tmp_path / (SUITE + ".py")).write_text(FAKE_SUITE)
    (tmp_path / "fake_old_style_suite.py").write_text(OLD_STYLE_SUITE)
    (tmp_path / "fake_skipped_suite.py").write_text(SKIPPED_SUITE)
    pkg = tmp_path / "pyssl"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(FAKE_PYSSL_INIT)
    (pkg / "_ssl.py").write_text(FAKE_PYSSL_CORE)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tmp_path)
    env.pop("FAKE_SUITE_HANG", None)
    env.pop("FAKE_SUITE_CRASH", None)
    env.pop("FAKE_SUITE_CRASH_CORE", None)
    return tmp_path, env


def run_parent(env, tmp_path, *args, timeout=120):
    cmd = [
        sys.executable,
        RUNNER,
        "--python",
        sys.executable,
        "--workdir",
        str(tmp_path / "work"),
    ] + list(args)
    proc = subprocess.run(
        cmd,
        env=env,
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout


def run_worker(env, tmp_path, mode, suite=SUITE, timeout=120):
    out = tmp_path / ("%s-%s.json" % (mode, suite))
    progress = tmp_path / ("%s-%s.progress" % (mode, suite))
    cmd = [
        sys.executable,
        RUNNER,
        "--worker",
        "--mode",
        mode,
        "--suite",
        suite,
        "--json",
        str(out),
        "--progress",
        str(progress),
    ]
    proc = subprocess.run(
        cmd,
        env=env,
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=timeout,
    )
    data = json.loads(out.read_text()) if out.exists() else None
    return proc, data, progress


def outcomes(data):
    return {
        tid.rsplit(".", 1)[-1] if "(" not in tid else tid: r["outcome"]
        for tid, r in data["results"].items()
    }


def test_worker_records_every_outcome(fake_env):
    tmp_path, env = fake_env
    proc, data, progress = run_worker(env, tmp_path, "stdlib")
    assert proc.returncode == 0, proc.stdout
    got = outcomes(data)
    assert got["test_pass"] == "pass"
    assert got["test_fail"] == "fail"
    assert got["test_error"] == "error"
    assert got["test_skip"] == "skip"
    assert got["test_xfail"] == "expected-failure"
    assert got["test_xpass"] == "unexpected-success"
    assert got["test_subtest_fails"] == "fail"
    assert got["test_uses_core"] == "pass"
    assert got["test_uses_full"] == "pass"
    assert got["test_resources"] == "pass"
    assert got["test_zz_misbehave"] == "pass"
    # A broken setUpClass is an error, under its own id.
    broken = [tid for tid in data["results"] if "setUpClass" in tid]
    assert len(broken) == 1 and data["results"][broken[0]]["outcome"] == "error"
    assert "class setup broken" in data["results"][broken[0]]["detail"]
    assert "network" not in data["resources"] and "cpu" in data["resources"]
    # Full ids, and a start/end line for each test in the progress file.
    assert "%s.Outcomes.test_pass" % SUITE in data["results"]
    lines = progress.read_text().splitlines()
    assert "start %s.Outcomes.test_fail" % SUITE in lines
    assert "end %s.Outcomes.test_fail fail" % SUITE in lines


def test_worker_modes_replace_the_modules(fake_env):
    tmp_path, env = fake_env
    _, core, _ = run_worker(env, tmp_path, "core")
    assert outcomes(core)["test_uses_core"] == "fail"
    assert outcomes(core)["test_uses_full"] == "pass"
    assert core["ssl"]["_ssl"].endswith(os.path.join("pyssl", "_ssl.py"))
    _, full, _ = run_worker(env, tmp_path, "full")
    assert outcomes(full)["test_uses_full"] == "fail"
    assert full["ssl"]["ssl"].endswith(os.path.join("pyssl", "__init__.py"))


def test_worker_mode_without_pyssl_is_a_setup_error(fake_env):
    tmp_path, env = fake_env
    (tmp_path / "pyssl" / "_ssl.py").write_text("raise ImportError('not built')\n")
    proc, data, _ = run_worker(env, tmp_path, "core")
    assert proc.returncode == conformance.EXIT_SETUP
    assert data["status"] == "setup-error" and "not built" in data["detail"]


def test_worker_old_style_test_main(fake_env):
    tmp_path, env = fake_env
    proc, data, _ = run_worker(env, tmp_path, "stdlib", suite="fake_old_style_suite")
    assert proc.returncode == 0, proc.stdout
    assert outcomes(data) == {"test_listed": "pass"}


def test_worker_absent_and_skipped_suites(fake_env):
    tmp_path, env = fake_env
    proc, data, _ = run_worker(env, tmp_path, "stdlib", suite="no_such_suite_here")
    assert proc.returncode == conformance.EXIT_ABSENT
    assert data["status"] == "absent"
    proc, data, _ = run_worker(env, tmp_path, "stdlib", suite="fake_skipped_suite")
    assert proc.returncode == 0
    assert data["status"] == "skipped" and "nothing to test" in data["detail"]


def test_parent_reports_regressions_and_gates(fake_env):
    tmp_path, env = fake_env
    rc, out = run_parent(
        env,
        tmp_path,
        "--modes",
        "stdlib,core,full",
        "--suite",
        SUITE,
        "--suite",
        "no_such_suite_here",
    )
    assert rc == 0, out  # without --gate, only a report
    regressions = out[out.index("REGRESSIONS") :]
    assert "%s.Outcomes.test_uses_core  [pass -> fail]" % SUITE in regressions
    assert "%s.Outcomes.test_uses_full  [pass -> fail]" % SUITE in out
    # Full mode replaces _ssl too.
    full = out[out.index("REGRESSIONS (%d.%d.%d full" % sys.version_info[:3]) :]
    assert "%s.Outcomes.test_uses_core  [pass -> fail]" % SUITE in full
    # Tests failing on the stdlib as well are not regressions.
    assert "test_fail " not in regressions and "test_error " not in regressions
    assert "absent" in out
    version = "%d.%d.%d" % sys.version_info[:3]
    summary = [ln for ln in out.splitlines() if ln.startswith("SUMMARY")]
    assert len(summary) == 3
    assert summary[0].startswith("SUMMARY %s stdlib: 1 suites (1 absent)" % version)
    # pass counts xfail; fail counts xpass; a broken setUpClass is an error.
    assert "6 passed, 3 failed, 2 errors, 1 skipped" in summary[0]
    assert "1 regressions" in summary[1] and summary[1].endswith("FAIL")
    assert "2 regressions" in summary[2] and summary[2].endswith("FAIL")
    rc, out = run_parent(env, tmp_path, "--modes", "core", "--suite", SUITE, "--gate")
    assert rc == 1, out
    # --modes core still runs the stdlib baseline to compare against.
    assert "SUMMARY %s stdlib" % version in out


def test_parent_deviations(fake_env):
    tmp_path, env = fake_env
    devs = tmp_path / "deviations.txt"
    devs.write_text(
        textwrap.dedent(
            """\
        # comment
        %s.%s.* * %s.Outcomes.test_uses_core  # the fake core is meant to differ
        3.* * %s.Outcomes.test_uses_f*  # pattern over modes and ids
        2.7.* core %s.Outcomes.test_pass  # never matches: reported as unused
        """
            % (sys.version_info[0], sys.version_info[1], SUITE, SUITE, SUITE)
        )
    )
    rc, out = run_parent(
        env,
        tmp_path,
        "--modes",
        "core,full",
        "--suite",
        SUITE,
        "--deviations",
        str(devs),
        "--gate",
    )
    assert rc == 0, out
    assert "REGRESSIONS" not in out
    assert "# the fake core is meant to differ" in out
    assert "# pattern over modes and ids" in out
    assert "matched nothing" in out and "2.7.*" in out


def test_parent_reports_hang_with_test_name(fake_env):
    tmp_path, env = fake_env
    env["FAKE_SUITE_HANG"] = "1"
    rc, out = run_parent(
        env, tmp_path, "--modes", "stdlib", "--suite", SUITE, "--timeout", "8", "--gate"
    )
    assert rc == 1, out
    assert "HANG" in out
    assert "in %s.Outcomes.test_zz_misbehave" % SUITE in out
    assert "1 hangs" in out


def test_parent_reports_crash_with_test_name(fake_env):
    tmp_path, env = fake_env
    env["FAKE_SUITE_CRASH"] = "1"
    rc, out = run_parent(env, tmp_path, "--modes", "stdlib", "--suite", SUITE, "--gate")
    assert rc == 1, out
    assert "CRASH" in out and "SIGSEGV" in out
    assert "in %s.Outcomes.test_zz_misbehave" % SUITE in out
    assert "1 crashes" in out
    # What finished before the crash is still counted.
    summary = [ln for ln in out.splitlines() if ln.startswith("SUMMARY")][0]
    assert "passed" in summary and not summary.startswith(
        "SUMMARY %s stdlib: 1 suites (0 absent), 0 passed" % ("%d.%d.%d" % sys.version_info[:3])
    )


def test_parse_deviations_rejects_bad_lines():
    good = conformance.parse_deviations("\n# header\n3.8.* core test.test_ssl.X.test_y  # why\n")
    assert len(good) == 1 and good[0].reason == "why"
    assert good[0].matches("3.8.18", "core", "test.test_ssl.X.test_y")
    assert not good[0].matches("3.9.18", "core", "test.test_ssl.X.test_y")
    assert not good[0].matches("3.8.18", "full", "test.test_ssl.X.test_y")
    for bad in (
        "3.8.* core test.x",  # no reason
        "3.8.* core  # only two fields",
        "3.8.* nomode test.x  # unknown mode",
        "3.8.* core test.x extra  # four fields",
    ):
        with pytest.raises(ValueError):
            conformance.parse_deviations(bad)


def test_compare_classifies_changes():
    interp = {"key": "k", "version": "3.12.1"}
    base = conformance.Run(interp, "stdlib", "s", "/nonexistent")
    run = conformance.Run(interp, "core", "s", "/nonexistent")

    def res(**kw):
        return dict((k, {"outcome": v.replace("_", "-"), "detail": ""}) for k, v in kw.items())

    base.results = res(
        a="pass", b="pass", c="fail", d="skip", e="pass", f="expected_failure", g="pass"
    )
    run.results = res(a="pass", b="fail", c="pass", d="skip", e="skip", f="unexpected_success")
    devs = conformance.parse_deviations("3.12.* core e  # skipped on purpose\n")
    regs, deviations, better = conformance.compare(base, run, devs, "3.12.1")
    assert [r[:3] for r in regs] == [
        ("b", "pass", "fail"),
        ("f", "expected-failure", "unexpected-success"),
        ("g", "pass", "not-run"),
    ]
    assert [d[0] for d in deviations] == ["e"] and deviations[0][3] == "skipped on purpose"
    assert [b[0] for b in better] == ["c"]


def test_worker_suite_that_fails_to_import_is_a_setup_error(fake_env):
    tmp_path, env = fake_env
    (tmp_path / "fake_broken_suite.py").write_text("import no_such_dependency_xyz\n")
    proc, data, _ = run_worker(env, tmp_path, "stdlib", suite="fake_broken_suite")
    assert proc.returncode == conformance.EXIT_SETUP
    assert data["status"] == "setup-error"
    assert "no_such_dependency_xyz" in data["detail"]


def test_parent_crash_only_under_pyssl_is_a_regression(fake_env):
    tmp_path, env = fake_env
    env["FAKE_SUITE_CRASH_CORE"] = "1"
    rc, out = run_parent(env, tmp_path, "--modes", "stdlib,core", "--suite", SUITE, "--gate")
    assert rc == 1, out
    assert "CRASH" in out and "SIGABRT" in out
    summary = [ln for ln in out.splitlines() if ln.startswith("SUMMARY")]
    assert summary[0].endswith("-> ok")  # the stdlib run is fine
    assert "1 crashes" in summary[1] and summary[1].endswith("FAIL")
    assert "tests that never ran (crash)" in out


FLAKY_SUITE = '''
import os
import unittest


class Flaky(unittest.TestCase):
    def test_flaky_under_core(self):
        # Fails the first time it runs on the fake core, passes after.
        import ssl
        marker = os.path.join(os.environ["FAKE_SUITE_STATE"], "flaky-ran")
        if hasattr(ssl._ssl, "PYSSL_FAKE") and not os.path.exists(marker):
            open(marker, "w").close()
            self.fail("first run on the fake core")

    def test_always_fails_under_core(self):
        import ssl
        self.assertFalse(hasattr(ssl._ssl, "PYSSL_FAKE"))
'''


def test_parent_retries_a_regression_before_counting_it(fake_env):
    tmp_path, env = fake_env
    (tmp_path / "fake_flaky_suite.py").write_text(FLAKY_SUITE)
    env["FAKE_SUITE_STATE"] = str(tmp_path)
    rc, out = run_parent(env, tmp_path, "--modes", "core", "--suite", "fake_flaky_suite", "--gate")
    # The test that failed once and passed alone is flaky, not a regression;
    # the one that fails again still fails the gate.
    assert rc == 1, out
    flaky = out[out.index("flaky:") : out.index("REGRESSIONS")]
    assert "fake_flaky_suite.Flaky.test_flaky_under_core  [pass, pass]" in flaky
    regressions = out[out.index("REGRESSIONS") :]
    assert "test_always_fails_under_core  [pass -> fail]" in regressions
    assert "test_flaky_under_core" not in regressions
    # Without the retry the first outcome counts.
    os.unlink(str(tmp_path / "flaky-ran"))
    rc, out = run_parent(
        env, tmp_path, "--modes", "core", "--suite", "fake_flaky_suite", "--no-retry"
    )
    assert "test_flaky_under_core  [pass -> fail]" in out[out.index("REGRESSIONS") :]


# --stock-ssl: for an interpreter built with pyssl's core as its built-in
# _ssl (ci/embedded-conformance.sh). Only the refusals and the loader can be
# checked on an ordinary interpreter; the embedded build runs the rest.


def test_stock_ssl_needs_a_built_in_ssl(fake_env):
    tmp_path, env = fake_env
    import _ssl

    out = tmp_path / "stock.json"
    cmd = [
        sys.executable,
        RUNNER,
        "--worker",
        "--mode",
        "stdlib",
        "--suite",
        SUITE,
        "--json",
        str(out),
        "--progress",
        str(tmp_path / "stock.progress"),
        "--stock-ssl",
        _ssl.__file__,
    ]
    proc = subprocess.run(
        cmd,
        env=env,
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=120,
    )
    assert proc.returncode == conformance.EXIT_SETUP, proc.stdout
    data = json.loads(out.read_text())
    assert data["status"] == "setup-error"
    assert "no built-in _ssl" in data["detail"]


def test_stock_ssl_refuses_full_mode(fake_env):
    tmp_path, env = fake_env
    rc, out = run_parent(
        env,
        tmp_path,
        "--modes",
        "stdlib,full",
        "--suite",
        SUITE,
        "--stock-ssl",
        "/nonexistent/_ssl.so",
    )
    assert rc != 0
    assert "full mode needs pyssl installed" in out


def test_stock_ssl_loader_makes_the_file_the_ssl_module(tmp_path):
    # A copy of the interpreter's own _ssl extension, somewhere no import
    # would look, loaded by path before ssl is imported, is the _ssl that
    # ssl then uses.
    import _ssl
    import shutil

    copy = tmp_path / "elsewhere" / os.path.basename(_ssl.__file__)
    copy.parent.mkdir()
    shutil.copy(_ssl.__file__, str(copy))
    code = textwrap.dedent(
        '''
        import sys
        path = %r
        sys.path.insert(0, %r)
        import conformance
        conformance._load_stock_ssl(path)
        import ssl
        assert ssl._ssl.__file__ == path, ssl._ssl
        assert sys.modules["_ssl"] is ssl._ssl
        print("loaded", path)
    '''
        % (str(copy), HERE)
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout
    assert "loaded" in proc.stdout
