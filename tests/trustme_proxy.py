"""trustme's certificates where trustme itself cannot be installed.

The free-threaded CPython 3.13 has no cryptography: cffi refuses to build
for it (it supports free-threading from 3.14 on).  So on that interpreter
the tests get trustme from this stand-in, which asks another interpreter
that has trustme (the one PYSSL_TRUSTME_PYTHON names) to make each CA and
certificate, and hands back the same PEM blobs trustme would.  Only the
part of trustme's API the tests use is here: CA(key_type=...),
CA.issue_cert(*names, common_name=...), CA.create_child_ca(),
CA.cert_pem, and on a leaf private_key_pem, cert_chain_pems and
private_key_and_cert_chain_pem; plus encrypt_key() and revocation_list()
for what the tests do with cryptography itself (in this process when it
has cryptography).

    trustme = trustme_proxy.load()   # the real trustme if importable
"""

import json
import os
import subprocess

# handle(request) -> answer: run in this process when it has cryptography,
# else by the interpreter PYSSL_TRUSTME_PYTHON names, over JSON.
HANDLER = r'''
import datetime, json, sys

def ca_of(trustme, d):
    return trustme.CA.from_pem(d["cert"].encode(), d["key"].encode())

def ca_dict(ca):
    return {"cert": ca.cert_pem.bytes().decode(),
            "key": ca.private_key_pem.bytes().decode()}

def key_kw(trustme, req):
    if req.get("key_type"):
        return {"key_type": getattr(trustme.KeyType, req["key_type"])}
    return {}

def crl(req):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    ca_cert = x509.load_pem_x509_certificate(req["ca"]["cert"].encode())
    ca_key = serialization.load_pem_private_key(req["ca"]["key"].encode(), None)
    leaf = x509.load_pem_x509_certificate(req["leaf"].encode())
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = (x509.RevokedCertificateBuilder()
               .serial_number(leaf.serial_number)
               .revocation_date(now - datetime.timedelta(minutes=5))
               .build())
    made = (x509.CertificateRevocationListBuilder()
            .issuer_name(ca_cert.subject)
            .last_update(now - datetime.timedelta(minutes=5))
            .next_update(now + datetime.timedelta(days=1))
            .add_revoked_certificate(revoked)
            .sign(ca_key, hashes.SHA256()))
    return {"pem": made.public_bytes(serialization.Encoding.PEM).decode()}

def handle(req):
    op = req["op"]
    if op == "crl":
        return crl(req)
    if op == "encrypt":
        from cryptography.hazmat.primitives import serialization
        key = serialization.load_pem_private_key(req["key"].encode(), None)
        return {"pem": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(
                req["password"].encode("latin-1"))).decode()}
    import trustme
    if op == "ca":
        return ca_dict(trustme.CA(**key_kw(trustme, req)))
    if op == "child":
        out = ca_dict(ca_of(trustme, req["ca"]).create_child_ca(
            **key_kw(trustme, req)))
        out["chain"] = req["ca"].get("chain", []) + [out["cert"]]
        return out
    if op == "issue":
        kw = key_kw(trustme, req)
        if req.get("common_name"):
            kw["common_name"] = req["common_name"]
        leaf = ca_of(trustme, req["ca"]).issue_cert(*req["names"], **kw)
        return {"key": leaf.private_key_pem.bytes().decode(),
                "chain": [b.bytes().decode() for b in leaf.cert_chain_pems]}
    raise ValueError(op)
'''


def load():
    """The real trustme if this interpreter has it, else this module."""
    try:
        import trustme

        return trustme
    except ImportError:
        if not os.environ.get("PYSSL_TRUSTME_PYTHON"):
            raise
        import trustme_proxy

        return trustme_proxy


def _call(req):
    try:
        import cryptography  # noqa: F401
    except ImportError:
        pass
    else:
        namespace = {}
        exec(HANDLER, namespace)
        return namespace["handle"](req)
    python = os.environ.get("PYSSL_TRUSTME_PYTHON")
    if not python:
        raise RuntimeError(
            "trustme_proxy needs PYSSL_TRUSTME_PYTHON: an interpreter with trustme installed"
        )
    code = HANDLER + "\njson.dump(handle(json.load(sys.stdin)), sys.stdout)\n"
    proc = subprocess.run(
        [python, "-c", code], input=json.dumps(req), capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise RuntimeError("trustme on %s failed:\n%s" % (python, proc.stderr))
    return json.loads(proc.stdout)


class Blob(object):
    def __init__(self, data):
        self._data = data

    def bytes(self):
        return self._data

    def write_to_path(self, path, append=False):
        with open(path, "ab" if append else "wb") as f:
            f.write(self._data)


class KeyType(object):
    RSA = "RSA"
    ECDSA = "ECDSA"


class LeafCert(object):
    def __init__(self, key, chain):
        self.private_key_pem = Blob(key.encode())
        self.cert_chain_pems = [Blob(pem.encode()) for pem in chain]
        self.private_key_and_cert_chain_pem = Blob(
            key.encode() + b"".join(pem.encode() for pem in chain)
        )


class CA(object):
    def __init__(self, key_type=None, _pems=None):
        self._d = _pems or _call({"op": "ca", "key_type": key_type})
        self.cert_pem = Blob(self._d["cert"].encode())
        self.private_key_pem = Blob(self._d["key"].encode())

    def create_child_ca(self, key_type=None):
        return CA(_pems=_call({"op": "child", "ca": self._d, "key_type": key_type}))

    def issue_cert(self, *names, **kw):
        d = _call(
            {
                "op": "issue",
                "ca": self._d,
                "names": list(names),
                "common_name": kw.get("common_name"),
                "key_type": kw.get("key_type"),
            }
        )
        # trustme's chain: the leaf, then every intermediate up to the root.
        return LeafCert(d["key"], d["chain"] + self._d.get("chain", [])[::-1])


def encrypt_key(key_pem, password):
    """key_pem (bytes) as encrypted PKCS#8 PEM under password (bytes)."""
    return _call(
        {"op": "encrypt", "key": key_pem.decode(), "password": password.decode("latin-1")}
    )["pem"].encode()


def revocation_list(ca, revoked_leaf):
    """PEM CRL (bytes) signed by the (trustme or proxy) CA ca, revoking
    revoked_leaf, a day long."""
    return _call(
        {
            "op": "crl",
            "ca": {
                "cert": ca.cert_pem.bytes().decode(),
                "key": ca.private_key_pem.bytes().decode(),
            },
            "leaf": revoked_leaf.cert_chain_pems[0].bytes().decode(),
        }
    )["pem"].encode()
