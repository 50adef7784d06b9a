"""Type checking: pyssl's typing is what a user with ``mypy --strict`` sees.

tests/typing/sample_program.py uses the whole public API in ordinary,
annotated style; it must pass ``mypy --strict`` as written. The C core's
stubs (src/pyssl/_ssl.pyi) must pass it on their own too. pyssl is taken
from the working tree (MYPYPATH=src) and, as for an installed package,
only errors in the checked file count (--follow-imports=silent).

Needs mypy (it is not a runtime dependency); without it these tests skip.
"""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "tests", "typing", "sample_program.py")
CORE_STUBS = os.path.join(ROOT, "src", "pyssl", "_ssl.pyi")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed"
)


def run_mypy(tmp_path, target):
    env = dict(os.environ, MYPYPATH=os.path.join(ROOT, "src"))
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--follow-imports=silent",
        "--no-error-summary",
        "--cache-dir",
        str(tmp_path / "mypy-cache"),
        target,
    ]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=600,
    )
    return proc.returncode, proc.stdout


def test_sample_program_passes_mypy_strict(tmp_path):
    status, output = run_mypy(tmp_path, SAMPLE)
    assert status == 0, "mypy --strict found errors:\n" + output


def test_core_stubs_pass_mypy_strict(tmp_path):
    status, output = run_mypy(tmp_path, CORE_STUBS)
    assert status == 0, "mypy --strict found errors:\n" + output


def test_mypy_sees_a_broken_program(tmp_path):
    # The check itself must be able to fail: a wrong call is reported.
    broken = tmp_path / "broken.py"
    broken.write_text("import pyssl._ssl\nx: int = pyssl._ssl.RAND_bytes(16)\n")
    status, output = run_mypy(tmp_path, str(broken))
    assert status != 0
    assert "broken.py:2" in output
