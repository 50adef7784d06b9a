"""trustme's certificates where trustme itself cannot be installed.

The free-threaded CPython 3.13 has no cryptography: cffi refuses to build
for it (it supports free-threading from 3.14 on).  So on that interpreter
the tests get trustme from this stand-in, which asks another interpreter
that has trustme (the one PYSSL_TRUSTME_PYTHON names) to make each CA and
certificate, and hands back the same PEM blobs trustme would.  Only the
part of trustme's API the tests use is here: CA(key_type=...),
CA.issue_cert(*names, common_name=...), CA.create_child_ca(),
CA.cert_pem, and on a leaf private_key_pem, cert_chain_pems and
private_key_and_cert_chain_pem; plus encrypt_key() for what the tests do
with cryptography's serialization.

    trustme = trustme_proxy.load()   # the real trustme if importable
"""
import json
import os
import subprocess

# Runs on the other interpreter: one request on stdin, one answer on stdout.
HELPER = r'''
import json, sys, trustme
from cryptography.hazmat.primitives import serialization

def ca_of(d):
    return trustme.CA.from_pem(d["cert"].encode(), d["key"].encode())

def ca_dict(ca):
    return {"cert": ca.cert_pem.bytes().decode(),
            "key": ca.private_key_pem.bytes().decode()}

req = json.load(sys.stdin)
op = req["op"]
if op == "ca":
    kw = {}
    if req.get("key_type"):
        kw["key_type"] = getattr(trustme.KeyType, req["key_type"])
    out = ca_dict(trustme.CA(**kw))
elif op == "child":
    kw = {}
    if req.get("key_type"):
        kw["key_type"] = getattr(trustme.KeyType, req["key_type"])
    out = ca_dict(ca_of(req["ca"]).create_child_ca(**kw))
    out["chain"] = req["ca"].get("chain", []) + [out["cert"]]
elif op == "issue":
    kw = {}
    if req.get("common_name"):
        kw["common_name"] = req["common_name"]
    leaf = ca_of(req["ca"]).issue_cert(*req["names"], **kw)
    out = {"key": leaf.private_key_pem.bytes().decode(),
           "chain": [b.bytes().decode() for b in leaf.cert_chain_pems]}
elif op == "encrypt":
    key = serialization.load_pem_private_key(req["key"].encode(), None)
    out = {"pem": key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(req["password"].encode("latin-1"))
    ).decode()}
json.dump(out, sys.stdout)
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
    python = os.environ.get("PYSSL_TRUSTME_PYTHON")
    if not python:
        raise RuntimeError("trustme_proxy needs PYSSL_TRUSTME_PYTHON: an "
                           "interpreter with trustme installed")
    proc = subprocess.run([python, "-c", HELPER], input=json.dumps(req),
                          capture_output=True, text=True, timeout=120)
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
            key.encode() + b"".join(pem.encode() for pem in chain))


class CA(object):
    def __init__(self, key_type=None, _pems=None):
        self._d = _pems or _call({"op": "ca", "key_type": key_type})
        self.cert_pem = Blob(self._d["cert"].encode())
        self.private_key_pem = Blob(self._d["key"].encode())

    def create_child_ca(self, key_type=None):
        return CA(_pems=_call({"op": "child", "ca": self._d,
                               "key_type": key_type}))

    def issue_cert(self, *names, **kw):
        d = _call({"op": "issue", "ca": self._d, "names": list(names),
                   "common_name": kw.get("common_name")})
        # trustme's chain: the leaf, then every intermediate up to the root.
        return LeafCert(d["key"], d["chain"] + self._d.get("chain", [])[::-1])


def encrypt_key(key_pem, password):
    """key_pem (bytes) as encrypted PKCS#8 PEM under password (bytes)."""
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        return _call({"op": "encrypt", "key": key_pem.decode(),
                      "password": password.decode("latin-1")})["pem"].encode()
    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password))
