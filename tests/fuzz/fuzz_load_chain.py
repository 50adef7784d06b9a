"""load_cert_chain() from fuzzed files. The first byte picks which file is
fuzzed and how the key's password is given."""

import _harness
from _harness import asset, expect, ssl, tmpfile

PASSWORD = "fuzz-pw"


def _password(mode):
    return (
        None,
        PASSWORD,
        PASSWORD.encode(),
        lambda: PASSWORD,
        lambda: bytearray(PASSWORD.encode()),
    )[mode % 5]


def fuzz(data):
    if not data:
        return
    mode, body = data[0], data[1:]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    path = tmpfile("chain", body)
    password = _password(mode >> 2)
    if mode & 3 == 0:  # cert and key in one fuzzed file
        expect(ctx.load_cert_chain, path, password=password)
    elif mode & 3 == 1:  # a good certificate, a fuzzed key
        expect(ctx.load_cert_chain, asset("leaf.pem"), path, password=password)
    else:  # a fuzzed chain, a good key
        expect(ctx.load_cert_chain, path, asset("key.pem"), password=password)


if __name__ == "__main__":
    _harness.main(fuzz, "load_chain")
