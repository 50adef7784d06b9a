"""SSLContext: the Python face of the C core's _SSLContext."""

import sys
import warnings

from . import _ssl
from ._enums import (
    Options,
    Purpose,
    TLSVersion,
    VerifyFlags,
    VerifyMode,
    _ASN1Object,
    _SSLMethod,
)
from ._ssl import SSLError, _SSLContext

if sys.platform == "win32":
    try:
        from ._ssl import enum_certificates
    except ImportError:
        from ._wincerts import enum_certificates

_NPN_DEPRECATED = "ssl NPN is deprecated, use ALPN instead"


def _wire_protocols(protocols, kind):
    """Encode protocol names the way ALPN/NPN send them: each name prefixed
    by its length in one byte."""
    wire = bytearray()
    for name in protocols:
        encoded = bytes(name, "ascii")
        if not 0 < len(encoded) <= 255:
            raise SSLError("%s protocols must be 1 to 255 in length" % kind)
        wire.append(len(encoded))
        wire += encoded
    return wire


def _as_enum(enum_cls, value):
    """Wrap value in enum_cls if it is a known member, else keep it as is."""
    try:
        return enum_cls(value)
    except ValueError:
        return value


def _message_callback_shim(callback):
    """Wrap a user's message callback so it receives enums, not raw ints."""
    from ._msgtypes import _TLSAlertType, _TLSContentType, _TLSMessageType

    def shim(conn, direction, version, content_type, msg_type, data):
        version = _as_enum(TLSVersion, version)
        content_type = _as_enum(_TLSContentType, content_type)
        if content_type == _TLSContentType.HEADER:
            msg_type = _as_enum(_TLSContentType, msg_type)
        elif content_type == _TLSContentType.ALERT:
            msg_type = _as_enum(_TLSAlertType, msg_type)
        else:
            msg_type = _as_enum(_TLSMessageType, msg_type)
        return callback(conn, direction, version, content_type, msg_type, data)

    shim.user_function = callback
    return shim


def _core_property(name):
    """The core's data descriptor for name, for the setters to delegate."""
    return getattr(_SSLContext, name)


class SSLContext(_SSLContext):
    """Settings and state shared by TLS connections: protocol versions,
    certificates, keys, verification, ciphers and callbacks."""

    _windows_cert_stores = ("CA", "ROOT")

    # Filled in by the package once SSLSocket and SSLObject exist.
    sslsocket_class = None
    sslobject_class = None

    def __new__(cls, protocol=None, *args, **kwargs):
        if protocol is None:
            warnings.warn(
                "ssl.SSLContext() without protocol argument is deprecated.",
                category=DeprecationWarning,
                stacklevel=2,
            )
            protocol = _ssl.PROTOCOL_TLS
        return _SSLContext.__new__(cls, protocol)

    def __reduce__(self):
        raise TypeError("cannot pickle %r object" % type(self).__name__)

    def _encode_hostname(self, hostname):
        """Server names travel as ASCII: IDNA-encode str, decode bytes."""
        if hostname is None:
            return None
        if isinstance(hostname, str):
            return hostname.encode("idna").decode("ascii")
        return hostname.decode("ascii")

    def wrap_socket(
        self,
        sock,
        server_side=False,
        do_handshake_on_connect=True,
        suppress_ragged_eofs=True,
        server_hostname=None,
        session=None,
    ):
        """Wrap a connected or unconnected stream socket in TLS and return
        an SSLSocket; sock is detached and must not be used afterwards."""
        return self.sslsocket_class._create(
            sock=sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=server_hostname,
            context=self,
            session=session,
        )

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):
        """Return an SSLObject doing TLS over two MemoryBIO buffers."""
        return self.sslobject_class._create(
            incoming,
            outgoing,
            server_side=server_side,
            server_hostname=self._encode_hostname(server_hostname),
            session=session,
            context=self,
        )

    def set_npn_protocols(self, npn_protocols):
        """Deprecated: NPN was replaced by ALPN (set_alpn_protocols)."""
        warnings.warn(_NPN_DEPRECATED, DeprecationWarning, stacklevel=2)
        wire = _wire_protocols(npn_protocols, "NPN")
        setter = getattr(super(), "_set_npn_protocols", None)
        if not _ssl.HAS_NPN or setter is None:
            raise NotImplementedError("NPN is not supported; use ALPN")
        setter(wire)

    def set_alpn_protocols(self, alpn_protocols):
        """Offer (client) or accept (server) these ALPN protocol names, most
        preferred first."""
        self._set_alpn_protocols(_wire_protocols(alpn_protocols, "ALPN"))

    def set_servername_callback(self, server_name_callback):
        """Older form of sni_callback: the callback gets the server name
        already IDNA-decoded to an ASCII str."""
        if server_name_callback is None:
            self.sni_callback = None
            return
        if not callable(server_name_callback):
            raise TypeError("not a callable object")

        def sni_shim(sslobj, servername, sslctx):
            return server_name_callback(sslobj, self._encode_hostname(servername), sslctx)

        self.sni_callback = sni_shim

    def _load_windows_store_certs(self, storename, purpose):
        try:
            certs = enum_certificates(storename)
        except PermissionError:
            warnings.warn("unable to enumerate Windows certificate store")
            return
        for cert, encoding, trust in certs:
            # Trust anchors are plain X.509; PKCS#7 blobs are never CAs.
            if encoding != "x509_asn":
                continue
            if trust is not True and purpose.oid not in trust:
                continue
            try:
                self.load_verify_locations(cadata=cert)
            except SSLError as exc:
                warnings.warn("Bad certificate in Windows certificate store: %s" % exc)

    def load_default_certs(self, purpose=Purpose.SERVER_AUTH):
        """Load the system's trusted CA certificates for purpose."""
        if not isinstance(purpose, _ASN1Object):
            raise TypeError(purpose)
        if sys.platform == "win32":
            for storename in self._windows_cert_stores:
                self._load_windows_store_certs(storename, purpose)
        self.set_default_verify_paths()

    @property
    def minimum_version(self):
        return TLSVersion(super().minimum_version)

    @minimum_version.setter
    def minimum_version(self, value):
        # SSLv3 is off through an option as well as the version floor.
        if value == TLSVersion.SSLv3:
            self.options &= ~Options.OP_NO_SSLv3
        _core_property("minimum_version").__set__(self, value)

    @property
    def maximum_version(self):
        return TLSVersion(super().maximum_version)

    @maximum_version.setter
    def maximum_version(self, value):
        _core_property("maximum_version").__set__(self, value)

    @property
    def options(self):
        return Options(super().options)

    @options.setter
    def options(self, value):
        _core_property("options").__set__(self, value)

    @property
    def hostname_checks_common_name(self):
        """Whether a certificate's subject commonName may match the host
        name when it has no subjectAltName (off by default)."""
        return not self._host_flags & _ssl.HOSTFLAG_NEVER_CHECK_SUBJECT

    @hostname_checks_common_name.setter
    def hostname_checks_common_name(self, value):
        never = _ssl.HOSTFLAG_NEVER_CHECK_SUBJECT
        if value:
            self._host_flags &= ~never
        else:
            self._host_flags |= never

    @property
    def _msg_callback(self):
        """Debugging hook called for every TLS protocol message as
        cb(conn, direction, version, content_type, msg_type, data)."""
        shim = super()._msg_callback
        return None if shim is None else shim.user_function

    @_msg_callback.setter
    def _msg_callback(self, callback):
        if callback is not None:
            if not callable(callback):
                raise TypeError("%s is not callable." % (callback,))
            callback = _message_callback_shim(callback)
        _core_property("_msg_callback").__set__(self, callback)

    @property
    def protocol(self):
        return _SSLMethod(super().protocol)

    @property
    def verify_flags(self):
        return VerifyFlags(super().verify_flags)

    @verify_flags.setter
    def verify_flags(self, value):
        _core_property("verify_flags").__set__(self, value)

    @property
    def verify_mode(self):
        return _as_enum(VerifyMode, super().verify_mode)

    @verify_mode.setter
    def verify_mode(self, value):
        _core_property("verify_mode").__set__(self, value)


SSLContext.__module__ = "pyssl"
