"""Ctrl-C interrupts a TLS read that is waiting for data.

A signal whose handler raises (KeyboardInterrupt for Ctrl-C) must reach the
program while a blocking or timed read waits; a handler that returns lets
the read carry on (PEP 475). The tests install their own SIGINT handler
(pytest treats a real KeyboardInterrupt as the user stopping the session).
Every wait is bounded: the server answers or closes after TIMEOUT anyway,
so a read that cannot be interrupted fails the test instead of hanging it.
"""

import os
import signal
import socket
import sys
import threading
import time

import pytest

from conftest import TIMEOUT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Interrupted(Exception):
    """What the test's SIGINT handler raises, standing in for KeyboardInterrupt."""


def _quiet_server(release):
    """A handler that sends nothing until *release* is set (or TIMEOUT)."""

    def handler(conn):
        release.wait(TIMEOUT)
        try:
            conn.sendall(b"late")
        except OSError:
            pass

    return handler


def _send_sigint_after(delay):
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.fixture
def sigint_handler():
    calls = []
    previous = signal.getsignal(signal.SIGINT)

    def install(raises):
        def handler(signum, frame):
            calls.append(signum)
            if raises:
                raise Interrupted()

        signal.signal(signal.SIGINT, handler)
        return calls

    yield install
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("timeout", [None, TIMEOUT], ids=["blocking", "timeout"])
def test_sigint_interrupts_a_waiting_read(server, server_ctx, client_ctx, sigint_handler, timeout):
    release = threading.Event()
    srv = server(server_ctx, _quiet_server(release))
    sigint_handler(raises=True)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    sock.settimeout(timeout)
    with client_ctx.wrap_socket(sock, server_hostname="localhost") as conn:
        timer = _send_sigint_after(0.3)
        started = time.monotonic()
        try:
            with pytest.raises(Interrupted):
                conn.recv(100)
        finally:
            timer.cancel()
            release.set()
        # Interrupted while waiting, not when the server finally spoke.
        assert time.monotonic() - started < TIMEOUT / 2


def test_read_resumes_after_a_handler_that_returns(server, server_ctx, client_ctx, sigint_handler):
    release = threading.Event()
    srv = server(server_ctx, _quiet_server(release))
    calls = sigint_handler(raises=False)
    with client_ctx.wrap_socket(
        socket.create_connection(srv.address, timeout=TIMEOUT), server_hostname="localhost"
    ) as conn:
        conn.settimeout(None)
        timer = _send_sigint_after(0.2)
        threading.Timer(0.6, release.set).start()
        try:
            data = conn.recv(100)
        finally:
            timer.cancel()
            release.set()
    assert calls == [signal.SIGINT]
    assert data == b"late"
