"""pyssl's exceptions pickle, and arrive as the same class with the same
details: an SSLError raised in a ProcessPoolExecutor worker reaches the
parent as that SSLError, not as a PicklingError."""

import concurrent.futures
import pickle

import pytest

from conftest import TIMEOUT, ssl

CLASSES = [
    "SSLError",
    "SSLCertVerificationError",
    "SSLZeroReturnError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLSyscallError",
    "SSLEOFError",
]


@pytest.mark.parametrize("name", CLASSES)
def test_every_exception_class_round_trips(name):
    cls = getattr(ssl, name)
    exc = cls(5, "the message")
    exc.library, exc.reason = "SSL", "SOME_REASON"
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls
    assert (back.errno, back.strerror, str(back)) == (5, "the message", "the message")
    assert (back.library, back.reason) == ("SSL", "SOME_REASON")


def test_verification_details_survive():
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code, exc.verify_message = 10, "certificate has expired"
    back = pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(back, ValueError)
    assert (back.verify_code, back.verify_message) == (10, "certificate has expired")


def load_garbage_ca():
    """Runs in the worker: a real SSLError from OpenSSL."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(
        cadata="-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    )


def test_an_error_from_a_worker_process_arrives_intact():
    with pytest.raises(ssl.SSLError) as here:
        load_garbage_ca()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(ssl.SSLError) as there:
            pool.submit(load_garbage_ca).result(timeout=6 * TIMEOUT)
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value)
    assert there.value.errno == here.value.errno
    assert (there.value.library, there.value.reason) == (here.value.library, here.value.reason)
