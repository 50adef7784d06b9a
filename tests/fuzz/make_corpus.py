"""Regenerate tests/fuzz/certs/ and the seed corpora in tests/fuzz/corpus/.

    PYTHONPATH=BUILD:src python tests/fuzz/make_corpus.py     (needs trustme)

Certificates come from trustme; the TLS seeds are recorded from a real
in-memory handshake between two pyssl SSLObjects. Run it only to change the
seeds: the targets use what is committed.
"""

import os
import shutil
import sys

os.environ["PYSSL_FUZZ_MODE"] = "mutate"  # no atheris needed here
import trustme  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

import _harness  # noqa: E402

HERE = _harness.HERE
CERTS = os.path.join(HERE, "certs")
CORPUS = os.path.join(HERE, "corpus")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def der(pem):
    return _harness.ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))


def make_certs():
    ca = trustme.CA()
    rsa_ca = trustme.CA(key_type=trustme.KeyType.RSA)
    inter = ca.create_child_ca()
    leaf = inter.issue_cert("localhost", "127.0.0.1", "fuzz@example.org")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"fuzz-pw"),
    )
    chain = b"".join(b.bytes() for b in leaf.cert_chain_pems)
    write(os.path.join(CERTS, "server.pem"), leaf.private_key_pem.bytes() + chain)
    write(os.path.join(CERTS, "leaf.pem"), chain)
    write(os.path.join(CERTS, "key.pem"), leaf.private_key_pem.bytes())
    pems = [leaf.cert_chain_pems[0].bytes(), ca.cert_pem.bytes(), rsa_ca.cert_pem.bytes()]
    return pems, leaf.private_key_pem.bytes(), encrypted, chain


def make_cert_seeds(pems, key, encrypted, chain):
    for i, pem in enumerate(pems):
        write(os.path.join(CORPUS, "cert_decode", "pem%d" % i), pem)
        write(os.path.join(CORPUS, "cert_decode", "der%d" % i), der(pem))
    write(os.path.join(CORPUS, "cadata", "pem-str"), b"\x01" + b"".join(pems))
    write(os.path.join(CORPUS, "cadata", "der-bytes"), b"\x00" + b"".join(der(p) for p in pems))
    write(os.path.join(CORPUS, "cadata", "pem-file"), b"\x02" + pems[1])
    # load_chain's first byte: bits 0-1 which file is fuzzed, bits 2+ the password form.
    seeds = {
        "combined": (0, key + chain),
        "key": (1, key),
        "key-pw-str": (1 << 2 | 1, encrypted),
        "key-pw-call": (3 << 2 | 1, encrypted),
        "chain": (2, chain),
    }
    for name, (mode, body) in seeds.items():
        write(os.path.join(CORPUS, "load_chain", name), bytes([mode]) + body)


def make_tls_seeds():
    import _tls

    ssl = _harness.ssl
    server = _tls.server_context()
    for tag, maximum in (("13", None), ("12", ssl.TLSVersion.TLSv1_2)):
        flights = []
        client, srv = _tls.pair(server, _tls.client_context(maximum), flights)
        write(os.path.join(CORPUS, "tls_server", "client-hello-" + tag), flights[0][1])
        first = next(d for who, d in flights if who == "server")
        mode = b"\x01" if maximum else b"\x00"
        write(os.path.join(CORPUS, "tls_client", "flight-" + tag), mode + first)
    write(os.path.join(CORPUS, "tls_app", "raw"), b"\x00" + b"\x17\x03\x03\x00\x05hello")
    write(os.path.join(CORPUS, "tls_app", "records"), b"\x05" + b"x" * 3000)
    write(
        os.path.join(CORPUS, "tls_app", "then-raw"),
        b"\x1a" + b"y" * 100 + b"\x15\x03\x03\x00\x02\x01\x00",
    )
    write(os.path.join(CORPUS, "tls_app", "flipped"), b"\x2b\x00\x09" + b"z" * 40)


def main():
    for d in (CERTS, CORPUS):
        shutil.rmtree(d, ignore_errors=True)
    make_cert_seeds(*make_certs())
    make_tls_seeds()
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(CORPUS) for f in fs)
    print("corpus: %d bytes" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
