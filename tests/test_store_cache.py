"""The shared, cached trust store (csrc/store.c, CPython gh-95031).

Contexts that load the same CA file (or the system defaults) share one parsed
X509_STORE. What users rely on, and what these tests check:

- a CA file rewritten in place is read again by the next context that loads it;
- what one context adds (cadata, another CA file, CRLs, verify_flags) never
  changes what another context trusts or how it verifies;
- verification outcomes, get_ca_certs() and cert_store_stats() are the same as
  with the cache switched off (PYSSL_NO_STORE_CACHE=1);
- contexts made in many threads at once all come out right.

The same tests pass against the stdlib (PYSSL_TEST_MODULE=ssl), which has no
cache: they describe behaviour, not the mechanism.
"""

import os
import threading

import pytest

from conftest import BioPair, ssl

NO_CACHE = "PYSSL_NO_STORE_CACHE"


def handshake_outcome(client_ctx, server_ctx, hostname="localhost"):
    """'ok', or the verify_message of the failed handshake."""
    try:
        BioPair(client_ctx, server_ctx, server_hostname=hostname).handshake()
    except ssl.SSLCertVerificationError as exc:
        return exc.verify_message
    return "ok"


def server_context(certfile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile)
    return ctx


def client_context(cafile=None, cadata=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=cafile, cadata=cadata)
    return ctx


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)


def revocation_list(ca, revoked_leaf):
    """PEM CRL, signed by trustme CA *ca*, revoking *revoked_leaf*."""
    import trustme_proxy

    return trustme_proxy.revocation_list(ca, revoked_leaf)


@pytest.fixture(params=["cache", "no-cache"])
def cache_mode(request, monkeypatch):
    if request.param == "no-cache":
        monkeypatch.setenv(NO_CACHE, "1")
    else:
        monkeypatch.delenv(NO_CACHE, raising=False)
    return request.param


def test_rewritten_ca_file_is_read_again(certs, tmp_path, cache_mode):
    path = str(tmp_path / "ca.pem")
    write_file(path, certs.ca.cert_pem.bytes())
    first = client_context(cafile=path)
    # Same path, other content; the mtime moves on even on coarse clocks.
    write_file(path, certs.other_ca.cert_pem.bytes())
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    second = client_context(cafile=path)

    trusted = server_context(certs.server_combined)
    untrusted = server_context(certs.untrusted_combined)
    assert handshake_outcome(first, trusted) == "ok"
    assert handshake_outcome(first, untrusted) != "ok"
    assert handshake_outcome(second, untrusted) == "ok"
    assert handshake_outcome(second, trusted) != "ok"
    assert first.get_ca_certs(True) == [ssl.PEM_cert_to_DER_cert(certs.ca_pem)]
    assert second.get_ca_certs(True) == [
        ssl.PEM_cert_to_DER_cert(certs.other_ca.cert_pem.bytes().decode("ascii"))
    ]


def test_cadata_stays_with_its_context(certs, cache_mode):
    plain = client_context(cafile=certs.cafile)
    extended = client_context(cafile=certs.cafile)
    extended.load_verify_locations(cadata=certs.other_ca.cert_pem.bytes().decode("ascii"))
    later = client_context(cafile=certs.cafile)

    untrusted = server_context(certs.untrusted_combined)
    assert handshake_outcome(extended, untrusted) == "ok"
    assert handshake_outcome(plain, untrusted) != "ok"
    assert handshake_outcome(later, untrusted) != "ok"
    assert plain.cert_store_stats()["x509"] == 1
    assert extended.cert_store_stats()["x509"] == 2
    assert later.cert_store_stats()["x509"] == 1


def test_another_cafile_stays_with_its_context(certs, cache_mode):
    plain = client_context(cafile=certs.cafile)
    extended = client_context(cafile=certs.cafile)
    extended.load_verify_locations(cafile=certs.other_cafile)
    untrusted = server_context(certs.untrusted_combined)
    assert handshake_outcome(extended, untrusted) == "ok"
    assert handshake_outcome(plain, untrusted) != "ok"
    assert len(plain.get_ca_certs()) == 1
    assert len(extended.get_ca_certs()) == 2


def test_crl_and_verify_flags_stay_with_their_context(certs, tmp_path, cache_mode):
    crl_path = str(tmp_path / "revoked.crl")
    write_file(crl_path, revocation_list(certs.ca, certs.server))
    plain = client_context(cafile=certs.cafile)
    checking = client_context(cafile=certs.cafile)
    checking.load_verify_locations(cafile=crl_path)
    checking.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    later = client_context(cafile=certs.cafile)

    server = server_context(certs.server_combined)
    assert "revoked" in handshake_outcome(checking, server)
    assert handshake_outcome(plain, server) == "ok"
    assert handshake_outcome(later, server) == "ok"
    assert not plain.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
    assert plain.cert_store_stats()["crl"] == 0
    assert checking.cert_store_stats()["crl"] == 1
    assert later.cert_store_stats()["crl"] == 0


def outcomes(certs):
    """Verification outcomes of a fixed set of chains and settings."""
    good = server_context(certs.server_combined)
    bad = server_context(certs.untrusted_combined)
    other_host = server_context(certs.other_server_combined)
    strict = client_context(cafile=certs.cafile)
    strict.verify_flags |= ssl.VERIFY_X509_STRICT
    defaults = ssl.create_default_context()
    return {
        "good": handshake_outcome(client_context(cafile=certs.cafile), good),
        "untrusted": handshake_outcome(client_context(cafile=certs.cafile), bad),
        "wrong-ca": handshake_outcome(client_context(cafile=certs.other_cafile), good),
        "wrong-host": handshake_outcome(client_context(cafile=certs.cafile), other_host),
        "strict": handshake_outcome(strict, good),
        "system-defaults": handshake_outcome(defaults, good),
        "defaults+cadata": handshake_outcome(
            with_cadata(ssl.create_default_context(), certs.ca_pem), good
        ),
    }


def with_cadata(ctx, pem):
    ctx.load_verify_locations(cadata=pem)
    return ctx


def test_outcomes_match_uncached(certs, monkeypatch):
    monkeypatch.setenv(NO_CACHE, "1")
    uncached = outcomes(certs)
    monkeypatch.delenv(NO_CACHE)
    cached = outcomes(certs)
    cached_again = outcomes(certs)
    assert cached == uncached == cached_again
    assert uncached["good"] == "ok"
    assert uncached["untrusted"] != "ok"
    assert uncached["defaults+cadata"] == "ok"


def default_store_view():
    """The default store's contents. Sorted: OpenSSL keeps the store's
    objects in an order that changes when a handshake looks an issuer up
    (the stdlib's get_ca_certs() order changes after one handshake too)."""
    ctx = ssl.create_default_context()
    return (
        ctx.cert_store_stats(),
        sorted(map(repr, ctx.get_ca_certs())),
        sorted(ctx.get_ca_certs(True)),
    )


def test_default_ca_certs_match_uncached(monkeypatch):
    monkeypatch.setenv(NO_CACHE, "1")
    uncached = default_store_view()
    monkeypatch.delenv(NO_CACHE)
    assert default_store_view() == uncached
    assert default_store_view() == uncached


def test_default_paths_twice_then_cadata(certs):
    """load_default_certs() again on a default context adds nothing; cadata
    after it adds one certificate to that context only."""
    ctx = ssl.create_default_context()
    before = ctx.cert_store_stats()
    ctx.load_default_certs()
    assert ctx.cert_store_stats() == before
    ctx.load_verify_locations(cadata=certs.ca_pem)
    after = ctx.cert_store_stats()
    if before["x509"] and any(
        c == ssl.PEM_cert_to_DER_cert(certs.ca_pem)
        for c in ssl.create_default_context().get_ca_certs(True)
    ):
        pytest.skip("the test CA is in the system store")
    assert after["x509"] == before["x509"] + 1
    assert ssl.create_default_context().cert_store_stats() == before


def test_contexts_made_in_many_threads(certs):
    server = server_context(certs.server_combined)
    untrusted = server_context(certs.untrusted_combined)
    expected = default_store_view()[0]
    errors = []

    def work(n):
        try:
            for i in range(20):
                ctx = client_context(cafile=certs.cafile)
                if (n + i) % 3 == 0:
                    ctx.load_verify_locations(cafile=certs.other_cafile)
                    assert handshake_outcome(ctx, untrusted) == "ok"
                else:
                    assert handshake_outcome(ctx, untrusted) != "ok"
                assert handshake_outcome(ctx, server) == "ok"
                assert ssl.create_default_context().cert_store_stats() == expected
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_many_ca_files_each_trusted_by_its_own_contexts(certs, tmp_path):
    """More CA files than the cache keeps at once: each context still trusts
    exactly its own file's CA, whichever entries were evicted meanwhile."""
    import trustme_proxy

    trustme = trustme_proxy.load()
    cas = [trustme.CA() for _ in range(12)]
    servers, clients = [], []
    for i, ca in enumerate(cas):
        path = str(tmp_path / ("ca%d.pem" % i))
        write_file(path, ca.cert_pem.bytes())
        leaf = ca.issue_cert("localhost")
        servers.append(
            server_context(
                certs.write("leaf%d.pem" % i, leaf.private_key_and_cert_chain_pem.bytes())
            )
        )
        clients.append([client_context(cafile=path) for _ in range(2)])
    for i, pair in enumerate(clients):
        for ctx in pair:
            assert handshake_outcome(ctx, servers[i]) == "ok"
            assert handshake_outcome(ctx, servers[(i + 1) % len(cas)]) != "ok"


def test_switching_the_cache_off_keeps_additions_private(certs, monkeypatch):
    monkeypatch.delenv(NO_CACHE, raising=False)
    shared = client_context(cafile=certs.cafile)
    extended = client_context(cafile=certs.cafile)
    monkeypatch.setenv(NO_CACHE, "1")
    extended.load_verify_locations(cafile=certs.other_cafile)
    untrusted = server_context(certs.untrusted_combined)
    assert handshake_outcome(extended, untrusted) == "ok"
    assert handshake_outcome(shared, untrusted) != "ok"
    monkeypatch.delenv(NO_CACHE)
    assert handshake_outcome(client_context(cafile=certs.cafile), untrusted) != "ok"
