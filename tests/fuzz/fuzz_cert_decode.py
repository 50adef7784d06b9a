"""Certificate decoding: the bytes as a file (the PEM reader) and inside PEM
armor (the DER parser), through _ssl._test_decode_cert, and the module's
PEM<->DER helpers."""

import base64

import _harness
from _harness import expect, ssl, tmpfile


def fuzz(data):
    expect(ssl._ssl._test_decode_cert, tmpfile("raw", data))
    armored = (
        "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
        % base64.encodebytes(data).decode("ascii")
    ).encode("ascii")
    expect(ssl._ssl._test_decode_cert, tmpfile("armored", armored))
    expect(ssl.DER_cert_to_PEM_cert, data)
    expect(ssl.PEM_cert_to_DER_cert, data.decode("latin-1"))


if __name__ == "__main__":
    _harness.main(fuzz, "cert_decode")
