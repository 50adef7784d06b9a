"""load_verify_locations() with fuzzed CA data, then everything that reads
the store back. The first byte picks the form: bit 0 cadata as str (PEM)
or bytes (DER), bit 1 a cafile instead."""

import _harness
from _harness import expect, ssl, tmpfile


def fuzz(data):
    if not data:
        return
    mode, body = data[0], data[1:]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if mode & 2:
        expect(ctx.load_verify_locations, cafile=tmpfile("ca", body))
    elif mode & 1:
        expect(ctx.load_verify_locations, cadata=body.decode("latin-1"))
    else:
        expect(ctx.load_verify_locations, cadata=body)
    ctx.cert_store_stats()
    ctx.get_ca_certs()
    ctx.get_ca_certs(binary_form=True)


if __name__ == "__main__":
    _harness.main(fuzz, "cadata")
