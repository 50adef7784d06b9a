"""An environment pyssl's wheel is installed in stays a good Python
environment (issue 11).

The wheel puts a start-up hook (pyssl-core.pth, importing _pyssl_startup)
into site-packages, and Python runs it at every start of every program there.
What a user relies on: pip still builds packages from source in that
environment, every way of starting Python starts cleanly, the hook does
nothing (and imports nothing of pyssl) unless asked, PYSSL_INJECT=1 still
switches a program over, and `pip uninstall` takes everything away.

These tests run against the INSTALLED WHEEL in a fresh venv, never the
checkout. The wheel is built from a copy of this checkout once per module,
or taken from PYSSL_HYGIENE_WHEEL (ci/install-hygiene.sh builds it from the
sdist). pip's build isolation needs setuptools: pip and setuptools wheels
are downloaded once into ${PYSSL_CACHE:-~/.cache/pyssl}/build-deps, and
every install and build here is made from that directory (--no-index), so
the tests run offline once it is filled.
"""

import glob
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap

import pytest

from conftest import UNDER_STDLIB

pytestmark = pytest.mark.skipif(UNDER_STDLIB, reason="checks what installing pyssl's wheel does")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("PYSSL_CACHE") or os.path.expanduser("~/.cache/pyssl")
MINOR = "%d.%d" % sys.version_info[:2]
PIP_TIMEOUT = 600  # seconds; a build of pyssl is well under a minute
RUN_TIMEOUT = 60

# What a fresh interpreter reports about itself: which ssl-related modules
# start-up loaded, and what `ssl` is once imported.
SHOW_MODULES = "import sys; print(sorted(m for m in sys.modules if 'ssl' in m))"
SHOW_SSL = (
    "import sys, ssl; print(ssl.__name__, sys.modules['_ssl'].__name__, 'pyssl' in sys.modules)"
)


def clean_env(**extra):
    """The caller's environment without what would change which Python,
    which packages or which mode a child runs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "PYTHONSAFEPATH",
            "PYSSL_INJECT",
            "VIRTUAL_ENV",
        )
    }
    env.update(extra)
    return env


def run(cmd, timeout=RUN_TIMEOUT, **env):
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=clean_env(**env)
    )


def check(proc):
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc


# --------------------------------------------------------------------------
# What the tests install from
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheelhouse():
    """pip and setuptools wheels for this interpreter, downloaded once."""
    path = os.path.join(CACHE, "build-deps")
    stamp = os.path.join(path, ".filled-for-" + MINOR)
    if not os.path.exists(stamp):
        os.makedirs(path, exist_ok=True)
        proc = run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--only-binary",
                ":all:",
                "-d",
                path,
                "pip",
                "setuptools",
            ],
            timeout=PIP_TIMEOUT,
        )
        if proc.returncode == 0:
            open(stamp, "w").close()
        elif not glob.glob(os.path.join(path, "setuptools-*.whl")):
            pytest.skip(
                "cannot download setuptools for pip's build isolation "
                "(offline?): %s" % proc.stderr.strip()[-300:]
            )
    return path


def pip(python, *args, **env):
    return run(
        [python, "-m", "pip", "--disable-pip-version-check"] + list(args),
        timeout=PIP_TIMEOUT,
        **env,
    )


def copy_checkout(dest):
    """The checkout's sources, without what a build or a test run left."""
    ignore = shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "*.so"
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def pyssl_wheel(wheelhouse, tmp_path_factory):
    given = os.environ.get("PYSSL_HYGIENE_WHEEL")
    if given:
        return given
    out = tmp_path_factory.mktemp("wheel")
    src = copy_checkout(str(out / "src"))
    check(
        pip(
            sys.executable,
            "wheel",
            "--no-deps",
            "--no-index",
            "--find-links",
            wheelhouse,
            "-w",
            str(out),
            src,
        )
    )
    wheels = glob.glob(str(out / "pyssl_core-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


class Venv:
    """A fresh venv with pip from the wheelhouse and pyssl's wheel installed."""

    def __init__(self, root, wheelhouse, wheel):
        check(run([sys.executable, "-m", "venv", root], timeout=PIP_TIMEOUT))
        self.python = os.path.join(root, "bin", "python")
        # For pip install and pip wheel: packages from the wheelhouse only.
        self.offline = ["--no-index", "--find-links", wheelhouse]
        # The newest pip the wheelhouse has: the one a user would have.
        check(self.pip("install", *self.offline, "--upgrade", "pip"))
        check(self.pip("install", *self.offline, "--no-deps", wheel))
        self.site = check(
            self.run("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
        ).stdout.strip()

    def pip(self, *args, **env):
        return pip(self.python, *args, **env)

    def run(self, *args, **env):
        return run([self.python] + list(args), **env)


@pytest.fixture(scope="module")
def venv(wheelhouse, pyssl_wheel, tmp_path_factory):
    return Venv(str(tmp_path_factory.mktemp("venv") / "v"), wheelhouse, pyssl_wheel)


def test_the_venv_runs_the_installed_wheel(venv):
    proc = check(venv.run("-c", "import pyssl; print(pyssl.__file__)"))
    assert proc.stdout.strip().startswith(venv.site + os.sep), proc.stdout
    assert os.path.exists(os.path.join(venv.site, "pyssl-core.pth"))


def test_the_installed_wheel_works(venv):
    """A TLS round trip on loopback (python -m pyssl selftest)."""
    check(venv.run("-m", "pyssl", "selftest", timeout=RUN_TIMEOUT * 2))


def test_the_wheel_carries_its_license(venv):
    proc = check(
        venv.run(
            "-c",
            textwrap.dedent("""\
        from importlib import metadata
        dist = metadata.distribution("pyssl-core")
        print(dist.metadata.get("License-Expression") or dist.metadata.get("License"))
        for f in dist.files:
            if f.name == "LICENSE":
                print("the pyssl authors" in f.read_text())
    """),
        )
    )
    assert proc.stdout.split() == ["MIT", "True"]


# --------------------------------------------------------------------------
# pip builds from source in the environment
# --------------------------------------------------------------------------


def make_sdist(directory):
    """A one-file setuptools project, as an sdist: hello_hygiene-1.0.tar.gz."""
    files = {
        "pyproject.toml": textwrap.dedent("""\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "hello-hygiene"
            version = "1.0"

            [tool.setuptools]
            py-modules = ["hello_hygiene"]
        """),
        "hello_hygiene.py": "GREETING = 'built from source'\n",
        "PKG-INFO": "Metadata-Version: 2.1\nName: hello-hygiene\nVersion: 1.0\n",
    }
    path = os.path.join(directory, "hello_hygiene-1.0.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            src = os.path.join(directory, name)
            with open(src, "w") as f:
                f.write(text)
            tar.add(src, arcname="hello_hygiene-1.0/" + name)
    return path


@pytest.mark.parametrize("inject", ["", "1"], ids=["plain", "PYSSL_INJECT=1"])
def test_pip_builds_an_sdist_with_build_isolation(venv, tmp_path, inject):
    sdist = make_sdist(str(tmp_path))
    env = {"PYSSL_INJECT": inject} if inject else {}
    proc = venv.pip("install", *venv.offline, "--force-reinstall", sdist, **env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert "pyssl" not in proc.stderr, proc.stderr[-4000:]
    got = check(venv.run("-c", "import hello_hygiene; print(hello_hygiene.GREETING)"))
    assert got.stdout.strip() == "built from source"


def test_pip_wheel_of_pyssl_itself_in_the_environment(venv, tmp_path):
    src = copy_checkout(str(tmp_path / "src"))
    proc = venv.pip("wheel", *venv.offline, "--no-deps", "-w", str(tmp_path / "out"), src)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert glob.glob(str(tmp_path / "out" / "pyssl_core-*.whl"))


# --------------------------------------------------------------------------
# Every way of starting Python starts cleanly, and the hook imports nothing
# --------------------------------------------------------------------------


def test_plain_start_loads_nothing_of_pyssl(venv):
    proc = check(venv.run("-c", SHOW_MODULES))
    assert proc.stderr == ""
    # Only the hook's own small module: not pyssl, not even ssl.
    assert proc.stdout.strip() == "['_pyssl_startup']"


def test_a_normal_interpreter_keeps_its_own_ssl(venv):
    proc = check(venv.run("-c", SHOW_SSL))
    assert proc.stderr == ""
    assert proc.stdout.split() == ["ssl", "_ssl", "False"]


@pytest.mark.parametrize("flag", ["-S", "-I", "-E", "-s"])
def test_start_with_flags(venv, flag):
    proc = check(venv.run(flag, "-c", SHOW_MODULES, PYSSL_INJECT="1"))
    assert proc.stderr == ""
    # -S: no site, no hook. -I and -E ignore PYSSL_INJECT. -s only drops
    # the user site: the hook runs and PYSSL_INJECT=1 is honoured.
    loaded = eval(proc.stdout)
    if flag == "-S":
        assert loaded == []
    elif flag == "-s":
        assert "pyssl" in loaded
    else:
        assert loaded == ["_pyssl_startup"]


def test_start_with_stdlib_names_shadowed_on_pythonpath(venv, tmp_path):
    """Modules pyssl (or a traceback) would load, shadowed by ones that fail
    loudly: a clean start proves the hook imports none of them."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for name in (
        "pyssl",
        "traceback",
        "json",
        "base64",
        "socket",
        "enum",
        "warnings",
        "ssl",
        "_ssl",
    ):
        (shadow / (name + ".py")).write_text("raise RuntimeError('start-up imported %s')\n" % name)
    proc = check(venv.run("-c", SHOW_MODULES, PYTHONPATH=str(shadow)))
    assert proc.stderr == ""
    assert proc.stdout.strip() == "['_pyssl_startup']"


def test_a_pyssl_that_cannot_be_imported_costs_one_line(venv, tmp_path):
    """The hook's failures say one line on stderr and the program goes on:
    PYSSL_INJECT=1, and the _ssl finder asked for _ssl (as on an interpreter
    without one), when importing pyssl fails."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyssl.py").write_text("raise RuntimeError('a broken pyssl')\n")
    proc = check(venv.run("-c", SHOW_SSL, PYSSL_INJECT="1", PYTHONPATH=str(broken)))
    assert proc.stdout.split() == ["ssl", "_ssl", "False"]
    assert proc.stderr.splitlines() == [
        "pyssl: PYSSL_INJECT=1 ignored: RuntimeError: a broken pyssl"
    ]
    ask = (
        "import _pyssl_startup as hook\n"
        "print(hook.SslCoreFinder.find_spec('_ssl'), hook.SslCoreFinder.find_spec('_ssl'))"
    )
    proc = check(venv.run("-c", ask, PYTHONPATH=str(broken)))
    assert proc.stdout.split() == ["None", "None"]
    assert proc.stderr.splitlines() == ["pyssl: cannot provide _ssl: RuntimeError: a broken pyssl"]


def test_start_with_sys_path_emptied_around_the_hook(venv):
    """What pip's isolated builds do: sys.path is empty while pyssl-core.pth
    runs, and back afterwards. site runs the .pth files in name order:
    empty-sys-path.pth sorts after setuptools' distutils-precedence.pth
    (whose own import line would fail) and before pyssl-core.pth,
    zz-restore-sys-path.pth after it (Python 3.13 needs sys.path back to
    run -c at all)."""
    pths = {
        "empty-sys-path.pth": "import sys; sys.saved_path = sys.path[:]; sys.path[:] = []",
        "zz-restore-sys-path.pth": "import sys; sys.path[:] = sys.saved_path",
    }
    for name, line in pths.items():
        with open(os.path.join(venv.site, name), "w") as f:
            f.write(line + "\n")
    try:
        plain = venv.run("-c", SHOW_MODULES)
        injecting = venv.run("-c", SHOW_MODULES, PYSSL_INJECT="1")
    finally:
        for name in pths:
            os.remove(os.path.join(venv.site, name))
    for proc in (plain, injecting):
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-4000:]
        # The hook could not be imported, so it did nothing, quietly.
        assert proc.stdout.strip() == "[]", proc.stdout


def test_start_of_a_zipapp(venv, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text(SHOW_MODULES + "\n" + SHOW_SSL + "\n")
    pyz = str(tmp_path / "app.pyz")
    check(venv.run("-m", "zipapp", str(app), "-o", pyz))
    proc = check(venv.run(pyz))
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == ["['_pyssl_startup']", "ssl _ssl False"]


# --------------------------------------------------------------------------
# PYSSL_INJECT=1 still switches a program over
# --------------------------------------------------------------------------


def test_pyssl_inject_switches_a_program(venv):
    proc = check(venv.run("-c", SHOW_SSL, PYSSL_INJECT="1"))
    assert proc.stderr == ""
    assert proc.stdout.split() == ["pyssl", "pyssl._ssl", "True"]
    # Any other value leaves the stdlib alone.
    proc = check(venv.run("-c", SHOW_SSL, PYSSL_INJECT="0"))
    assert proc.stdout.split() == ["ssl", "_ssl", "False"]


# --------------------------------------------------------------------------
# pip uninstall takes everything away
# --------------------------------------------------------------------------


def test_uninstall_leaves_nothing_behind(wheelhouse, pyssl_wheel, tmp_path):
    env = Venv(str(tmp_path / "v"), wheelhouse, pyssl_wheel)
    # Run it first, so that whatever running leaves (__pycache__) is there.
    check(env.run("-c", "import pyssl, ssl", PYTHONDONTWRITEBYTECODE=""))
    check(env.run("-c", SHOW_SSL, PYSSL_INJECT="1", PYTHONDONTWRITEBYTECODE=""))
    check(env.pip("uninstall", "-y", "pyssl-core"))
    left = []
    for dirpath, dirnames, filenames in os.walk(env.site):
        for name in dirnames + filenames:
            if "pyssl" in name.lower():
                left.append(os.path.relpath(os.path.join(dirpath, name), env.site))
        for name in filenames:
            if name.endswith(".pth"):
                with open(os.path.join(dirpath, name)) as f:
                    if "pyssl" in f.read():
                        left.append(name)
    assert left == []
    proc = check(env.run("-c", SHOW_MODULES))
    assert proc.stderr == "" and proc.stdout.strip() == "[]"
