"""Reading a stream of full 16 KiB records from an SSLSocket.

A read on a socket with a timeout may return the plaintext of several
records at once (pyssl decrypts whatever has already arrived); whatever the
chunking, the bytes must come in order and complete, and an error met after
some data must not swallow that data: it is raised by the next read.
"""
import os
import threading

import pytest

from conftest import TIMEOUT, connect, ssl

RECORD = 16384


def _sender(data, close_notify, sent):
    def handler(conn):
        conn.sendall(data)
        sent.set()
        if close_notify:
            conn.unwrap()
        else:
            # Drop TCP without close_notify: a ragged EOF for the reader.
            os.close(conn.detach())
    return handler


def _read_all(sock, bufsize):
    got = bytearray()
    buf = bytearray(bufsize)
    while True:
        n = sock.recv_into(buf)
        if n == 0:
            return bytes(got)
        got += buf[:n]


@pytest.mark.parametrize("bufsize", [65536, 3 * RECORD + 5, RECORD, 1000])
def test_queued_full_records_arrive_complete_and_in_order(server, server_ctx, client_ctx, bufsize):
    data = os.urandom(10 * RECORD + 123)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, True, sent))
    with connect(client_ctx, srv) as s:
        assert sent.wait(TIMEOUT)       # everything is queued before we read
        assert _read_all(s, bufsize) == data


def test_ragged_eof_after_queued_records_keeps_the_data(server, server_ctx, client_ctx):
    data = os.urandom(6 * RECORD)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, False, sent))
    with connect(client_ctx, srv, suppress_ragged_eofs=False) as s:
        assert sent.wait(TIMEOUT)
        srv.wait_handled()              # the TCP connection is gone too
        got = bytearray()
        buf = bytearray(65536)
        with pytest.raises(ssl.SSLEOFError):
            while True:
                n = s.recv_into(buf)
                assert n > 0
                got += buf[:n]
        assert bytes(got) == data


def test_blocking_socket_still_reads_everything(server, server_ctx, client_ctx):
    data = os.urandom(5 * RECORD + 7)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, True, sent))
    with connect(client_ctx, srv) as s:
        s.settimeout(None)              # a blocking fd: never read ahead
        assert sent.wait(TIMEOUT)
        assert _read_all(s, 65536) == data
