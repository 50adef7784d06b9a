"""A context shared by threads that hand-shake while another changes it.

Issue 12: SSL_new copies a context's certificates, groups, ALPN list...
with the GIL released while a setter frees them; a handshake reads the
context's cipher list and (server side) our ALPN list as it goes. pyssl
serializes these with a per-context lock (csrc/context.c), gives each
connection its own cipher list, and load_cert_chain swaps certificate and
key in one step. Each scenario of stress_shared_context.py runs in a child
process, so that a crash fails its test instead of killing pytest.

About 10 s in all by default; PYSSL_STRESS_SECONDS sets the total.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import MODULE_NAME, UNDER_STDLIB, BioPair, ssl

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stress_shared_context.py")
SCENARIOS = ("client", "server", "sockets")
TOTAL_SECONDS = float(os.environ.get("PYSSL_STRESS_SECONDS", "9"))

pytestmark = pytest.mark.xfail(
    UNDER_STDLIB,
    strict=False,
    reason="the stdlib has no context lock and loads a certificate and its "
    "key in place: it may crash, and a failed load leaves a "
    "certificate without its key",
)


# --------------------------------------------------------------------------
# Many threads: stress_shared_context.py in a child process
# --------------------------------------------------------------------------


def describe(returncode):
    if returncode < 0:
        try:
            return "killed by %s" % signal.Signals(-returncode).name
        except ValueError:
            return "killed by signal %d" % -returncode
    return "exit status %d" % returncode


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_setters_during_handshakes(scenario):
    seconds = TOTAL_SECONDS / len(SCENARIOS)
    try:
        proc = subprocess.run(
            [sys.executable, SCRIPT, MODULE_NAME, scenario, str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=seconds + 60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the %s scenario did not stop in time (deadlock?)" % scenario)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, "%s: %s\n%s\n%s" % (
        scenario,
        describe(proc.returncode),
        out[-3000:],
        err[-3000:],
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert result["handshakes"] > 0 and result["changes"] > 0, result
    if scenario != "client":
        # The rotation really happened: both certificates were served.
        assert len(result["per_certificate"]) == 2, result


# --------------------------------------------------------------------------
# Certificate rotation, one thread: a load swaps certificate and key
# together, and a load that fails leaves the context as it was.
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second(certs):
    """Another certificate for localhost from the same CA, its own key."""
    leaf = certs.ca.issue_cert("localhost")
    chain = certs.write("second.crt", b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key = certs.write("second.key", leaf.private_key_pem.bytes())
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode("ascii"))
    return chain, key, der


def served_der(client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    return pair.client.getpeercert(binary_form=True)


def first_der(certs):
    return ssl.PEM_cert_to_DER_cert(certs.server_cert_pem)


def test_rotation_serves_the_new_pair(certs, second, server_ctx, client_ctx):
    assert served_der(client_ctx, server_ctx) == first_der(certs)
    server_ctx.load_cert_chain(second[0], second[1])
    assert served_der(client_ctx, server_ctx) == second[2]


@pytest.mark.parametrize("how", ["mismatched key", "wrong password", "missing key file"])
def test_failed_load_leaves_the_context_as_it_was(
    certs, second, server_ctx, client_ctx, tmp_path, how
):
    if how == "mismatched key":
        args, exc = (second[0], certs.client_keyfile), ssl.SSLError
    elif how == "wrong password":
        args = (second[0], certs.encrypted_key(b"right"), b"wrong")
        exc = ssl.SSLError
    else:
        args, exc = (second[0], str(tmp_path / "missing.key")), OSError
    with pytest.raises(exc):
        server_ctx.load_cert_chain(*args)
    assert served_der(client_ctx, server_ctx) == first_der(certs)
