"""SSLObject (TLS over memory buffers) and SSLSocket (TLS over a socket)."""

import errno
import functools
import os
import selectors
import socket as _socket
import warnings
from socket import SOCK_STREAM, SOL_SOCKET, SO_TYPE, socket

from . import _ssl
from ._ssl import SSL_ERROR_EOF, SSLError

CHANNEL_BINDING_TYPES = ["tls-unique"]

_NPN_DEPRECATED = "ssl NPN is deprecated, use ALPN instead"


class _GiveUpSSLSendfile(Exception):
    """SSL_sendfile cannot be used for this file; send it in chunks."""


def _der_chain(chain):
    """Certificates from the core as a list of DER-encoded bytes."""
    if chain is None:
        return []
    return [cert.public_bytes(_ssl.ENCODING_DER) for cert in chain]


def _no_public_constructor(self, *args, **kwargs):
    raise TypeError(
        "%s does not have a public constructor. Instances are returned by "
        "SSLContext.%s()." % (type(self).__name__, self._factory)
    )


def _check_tls_params(server_side, server_hostname, context, session):
    """What wrap_socket() and wrap_bio() both refuse (as 3.14 does for
    wrap_bio too): client-only arguments on a server, and a context that
    checks host names given none to check."""
    if server_side and server_hostname:
        raise ValueError("server_hostname can only be specified in client mode")
    if server_side and session is not None:
        raise ValueError("session can only be specified in client mode")
    if context.check_hostname and not server_hostname:
        raise ValueError("check_hostname requires server_hostname")


class SSLObject:
    """One TLS connection whose records go through two MemoryBIO buffers
    instead of a socket; the caller moves the bytes.

    Made by SSLContext.wrap_bio(); for event loops and other frameworks that
    do their own I/O. Unlike SSLSocket it has no network I/O methods and no
    do_handshake_on_connect or suppress_ragged_eofs handling.
    """

    # _sslobj as a slot: the read/write/pending forwarders (_fast_methods)
    # read it in place. Instances keep their __dict__ and weak references.
    __slots__ = ("_sslobj", "__dict__", "__weakref__")
    _factory = "wrap_bio"
    __init__ = _no_public_constructor

    @classmethod
    def _create(
        cls,
        incoming,
        outgoing,
        server_side=False,
        server_hostname=None,
        session=None,
        context=None,
    ):
        _check_tls_params(server_side, server_hostname, context, session)
        self = cls.__new__(cls)
        wrap = context._wrap_bio
        if type(incoming) is not _ssl.MemoryBIO or type(outgoing) is not _ssl.MemoryBIO:
            # Maybe the stdlib's (asyncio or trio made them), which are
            # carried over to a pair of our own: see _stdlib_bio.py.
            from ._stdlib_bio import wrap_stdlib_bios as wrap

            wrap = functools.partial(wrap, context)
        self._sslobj = wrap(
            incoming,
            outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
            owner=self,
            session=session,
        )
        return self

    def __reduce__(self):
        raise TypeError("cannot pickle %r object" % type(self).__name__)

    @property
    def context(self):
        """The SSLContext the connection uses; may be swapped during the
        SNI callback."""
        return self._sslobj.context

    @context.setter
    def context(self, ctx):
        self._sslobj.context = ctx

    @property
    def session(self):
        """The TLS session (client side), for resumption on a later
        connection."""
        return self._sslobj.session

    @session.setter
    def session(self, session):
        self._sslobj.session = session

    @property
    def session_reused(self):
        """True if the handshake resumed an earlier session."""
        return self._sslobj.session_reused

    @property
    def server_side(self):
        """True for the server end of the connection."""
        return self._sslobj.server_side

    @property
    def server_hostname(self):
        """The host name sent in SNI and checked against the certificate,
        or None."""
        return self._sslobj.server_hostname

    def read(self, len=1024, buffer=None):
        """Read up to len decrypted bytes; with buffer, read into it and
        return the count instead."""
        if buffer is not None:
            return self._sslobj.read(len, buffer)
        return self._sslobj.read(len)

    def write(self, data):
        """Encrypt data (any bytes-like object); return the count written."""
        return self._sslobj.write(data)

    def getpeercert(self, binary_form=False):
        """The peer's certificate: a dict (empty if it was not verified),
        DER bytes with binary_form, or None if the peer sent none."""
        return self._sslobj.getpeercert(binary_form)

    def get_verified_chain(self):
        """The peer's chain as built by verification, leaf first, as a list
        of DER bytes (the peer's chain as sent when not verifying)."""
        return _der_chain(self._sslobj.get_verified_chain())

    def get_unverified_chain(self):
        """The chain the peer sent, leaf first, as a list of DER bytes."""
        return _der_chain(self._sslobj.get_unverified_chain())

    def selected_npn_protocol(self):
        """Deprecated: always None, NPN is not supported (use ALPN)."""
        warnings.warn(_NPN_DEPRECATED, DeprecationWarning, stacklevel=2)
        return None

    def selected_alpn_protocol(self):
        """The protocol ALPN agreed on, or None."""
        return self._sslobj.selected_alpn_protocol()

    def get_ocsp_response(self):
        """The DER OCSP response the server stapled in the handshake, or
        None (pyssl only; see SSLContext.ocsp_request). On a server, the
        staple it sent."""
        return self._sslobj.get_ocsp_response()

    def cipher(self):
        """(name, protocol version, secret bits) of the cipher in use, or
        None before the handshake."""
        return self._sslobj.cipher()

    def shared_ciphers(self):
        """Server side: the ciphers both ends support, or None."""
        return self._sslobj.shared_ciphers()

    def compression(self):
        """The compression algorithm in use, or None (the usual case)."""
        return self._sslobj.compression()

    def pending(self):
        """How many decrypted bytes can be read without more input."""
        return self._sslobj.pending()

    def do_handshake(self):
        """Run (or continue) the TLS handshake."""
        self._sslobj.do_handshake()

    def unwrap(self):
        """Run (or continue) the TLS closing handshake."""
        return self._sslobj.shutdown()

    def get_channel_binding(self, cb_type="tls-unique"):
        """Channel binding data of type cb_type, or None before the
        handshake; ValueError for an unknown type."""
        return self._sslobj.get_channel_binding(cb_type)

    def version(self):
        """The negotiated protocol version as a string, e.g. "TLSv1.3"."""
        return self._sslobj.version()

    def verify_client_post_handshake(self):
        """Server side, TLS 1.3: ask the client for a certificate now."""
        return self._sslobj.verify_client_post_handshake()

    def group(self):
        """The key exchange group negotiated, e.g. "X25519MLKEM768", or
        None."""
        return self._sslobj.group()

    def client_sigalg(self):
        """The signature algorithm the client signed with, or None."""
        return self._sslobj.client_sigalg()

    def server_sigalg(self):
        """The signature algorithm the server signed with, or None."""
        return self._sslobj.server_sigalg()


def _fast_methods(cls):
    """Put the core's forwarders in place of cls's read, write and pending:
    event loops call them once per record, and their Python frame cost as
    much as the want-read itself (gh-123954). Each forwarder calls the
    _SSLSocket directly for plain positional calls and the Python function
    it stands in for (its __wrapped__) for any other, so that function
    still says what a call means."""
    make = _ssl._sslobject_method
    member = cls.__dict__.get("_sslobj")
    for name in ("read", "write", "pending"):
        func = cls.__dict__[name]
        fast = make(name, func, member)
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(fast, attr, getattr(func, attr))
        fast.__wrapped__ = func
        setattr(cls, name, fast)


_fast_methods(SSLObject)


def _same_doc(func):
    """Give an SSLSocket method the docstring of its SSLObject twin."""
    func.__doc__ = getattr(SSLObject, func.__name__).__doc__
    return func


def _wait_writable(sock, timeout):
    """Block until sock can be written, or raise the socket timeout."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)
        if not selector.select(timeout):
            raise _socket.timeout("timed out")


class SSLSocket(socket):
    """A socket.socket that runs TLS over its connection once it is
    connected. Made by SSLContext.wrap_socket()."""

    _factory = "wrap_socket"
    __init__ = _no_public_constructor

    @classmethod
    def _create(
        cls,
        sock,
        server_side=False,
        do_handshake_on_connect=True,
        suppress_ragged_eofs=True,
        server_hostname=None,
        context=None,
        session=None,
    ):
        cls._check_wrap_args(sock, server_side, server_hostname, context, session)
        timeout = sock.gettimeout()
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto, fileno=sock.fileno())
        self = cls.__new__(cls, **kwargs)
        socket.__init__(self, **kwargs)
        # The descriptor now belongs to the new object alone.
        sock.detach()
        try:
            self._setup(
                context,
                session,
                server_side,
                server_hostname,
                do_handshake_on_connect,
                suppress_ragged_eofs,
            )
            connected = self._probe_connected()
            self.settimeout(timeout)
            self._connected = connected
            if connected:
                self._start_tls()
        except BaseException:
            try:
                self.close()
            except OSError:
                pass
            raise
        return self

    @staticmethod
    def _check_wrap_args(sock, server_side, server_hostname, context, session):
        if sock.getsockopt(SOL_SOCKET, SO_TYPE) != SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        _check_tls_params(server_side, server_hostname, context, session)

    def _setup(
        self,
        context,
        session,
        server_side,
        server_hostname,
        do_handshake_on_connect,
        suppress_ragged_eofs,
    ):
        self._context = context
        self._session = session
        self._closed = False
        self._sslobj = None
        self.server_side = server_side
        self.server_hostname = context._encode_hostname(server_hostname)
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs

    def _probe_connected(self):
        """Tell whether the socket is connected; refuse one that was closed
        by the peer with plaintext still queued, which must not pass for
        data received over TLS."""
        try:
            self.getpeername()
            return True
        except OSError as exc:
            if exc.errno != errno.ENOTCONN:
                raise
        blocking = self.getblocking()
        self.setblocking(False)
        try:
            early = self.recv(1)
        except OSError as exc:
            # Unconnected Unix sockets answer EINVAL rather than ENOTCONN.
            if exc.errno not in (errno.ENOTCONN, errno.EINVAL):
                raise
            early = b""
        self.setblocking(blocking)
        if early:
            reason = "Closed before TLS handshake with data in recv buffer."
            error = SSLError(errno.ENOTCONN, reason)
            error.reason = reason
            error.library = None
            raise error
        return False

    def _start_tls(self):
        self._sslobj = self._context._wrap_socket(
            self, self.server_side, self.server_hostname, owner=self, session=self._session
        )
        if self.do_handshake_on_connect:
            if self.gettimeout() == 0.0:
                raise ValueError(
                    "do_handshake_on_connect should not be specified for non-blocking sockets"
                )
            self.do_handshake()

    def __reduce__(self):
        raise TypeError("cannot pickle %r object" % type(self).__name__)

    @property
    @_same_doc
    def context(self):
        return self._context

    @context.setter
    def context(self, ctx):
        self._context = ctx
        self._sslobj.context = ctx

    @property
    @_same_doc
    def session(self):
        if self._sslobj is not None:
            return self._sslobj.session
        return None

    @session.setter
    def session(self, session):
        self._session = session
        if self._sslobj is not None:
            self._sslobj.session = session

    @property
    @_same_doc
    def session_reused(self):
        if self._sslobj is not None:
            return self._sslobj.session_reused
        return None

    def dup(self):
        raise NotImplementedError("Can't dup() %s instances" % type(self).__name__)

    def _checkClosed(self, msg=None):
        # Kept for subclasses that want to refuse use after close; the
        # methods below already fail on a closed or unwrapped socket.
        pass

    def _check_connected(self):
        # Connected without _connected being set happens when connect()
        # first returned EAGAIN; getpeername() raises ENOTCONN only if the
        # socket really is not connected.
        if not self._connected:
            self.getpeername()

    def _tls_only(self, method):
        """Raise ValueError if there is no TLS layer for method to use."""
        if self._sslobj is None:
            raise ValueError("%s on closed or unwrapped SSL socket." % method)

    def _refuse_flags(self, flags, method):
        if flags != 0:
            raise ValueError(
                "non-zero flags not allowed in calls to %s() on %s" % (method, self.__class__)
            )

    def read(self, len=1024, buffer=None):
        """Read up to len decrypted bytes (into buffer if given, returning
        the count); an unclean EOF reads as end of data when
        suppress_ragged_eofs is set."""
        self._checkClosed()
        self._tls_only("Read")
        return self._read(self._sslobj, len, buffer)

    def _read(self, sslobj, len, buffer):
        # The one place the ragged-EOF rule lives; recv/recv_into come here
        # directly, as they are the hot path of every reader.
        try:
            if buffer is not None:
                return sslobj.read(len, buffer)
            return sslobj.read(len)
        except SSLError as exc:
            if exc.args[0] != SSL_ERROR_EOF or not self.suppress_ragged_eofs:
                raise
            return 0 if buffer is not None else b""

    def write(self, data):
        """Encrypt and send data; return the number of bytes written."""
        self._checkClosed()
        self._tls_only("Write")
        return self._sslobj.write(data)

    @_same_doc
    def getpeercert(self, binary_form=False):
        self._checkClosed()
        self._check_connected()
        return self._sslobj.getpeercert(binary_form)

    @_same_doc
    def get_verified_chain(self):
        self._tls_only("get_verified_chain")
        return SSLObject.get_verified_chain(self)

    @_same_doc
    def get_unverified_chain(self):
        self._tls_only("get_unverified_chain")
        return SSLObject.get_unverified_chain(self)

    @_same_doc
    def selected_npn_protocol(self):
        self._checkClosed()
        warnings.warn(_NPN_DEPRECATED, DeprecationWarning, stacklevel=2)
        return None

    def _query(self, name):
        """Ask the TLS layer a question, or answer None without one."""
        self._checkClosed()
        if self._sslobj is None:
            return None
        return getattr(self._sslobj, name)()

    @_same_doc
    def selected_alpn_protocol(self):
        if not _ssl.HAS_ALPN:
            return None
        return self._query("selected_alpn_protocol")

    @_same_doc
    def get_ocsp_response(self):
        return self._query("get_ocsp_response")

    @_same_doc
    def cipher(self):
        return self._query("cipher")

    @_same_doc
    def shared_ciphers(self):
        return self._query("shared_ciphers")

    @_same_doc
    def compression(self):
        return self._query("compression")

    @_same_doc
    def group(self):
        return self._query("group")

    @_same_doc
    def client_sigalg(self):
        return self._query("client_sigalg")

    @_same_doc
    def server_sigalg(self):
        return self._query("server_sigalg")

    def send(self, data, flags=0):
        self._checkClosed()
        sslobj = self._sslobj
        if sslobj is None:
            return super().send(data, flags)
        if flags:
            self._refuse_flags(flags, "send")
        return sslobj.write(data)

    def sendto(self, data, flags_or_addr, addr=None):
        self._checkClosed()
        if self._sslobj is not None:
            raise ValueError("sendto not allowed on instances of %s" % self.__class__)
        if addr is None:
            return super().sendto(data, flags_or_addr)
        return super().sendto(data, flags_or_addr, addr)

    def sendmsg(self, *args, **kwargs):
        # Refused outright so that data never leaves unencrypted.
        raise NotImplementedError("sendmsg not allowed on instances of %s" % self.__class__)

    def sendall(self, data, flags=0):
        self._checkClosed()
        sslobj = self._sslobj
        if sslobj is None:
            return super().sendall(data, flags)
        if flags:
            self._refuse_flags(flags, "sendall")
        with memoryview(data) as view, view.cast("B") as octets:
            # A blocking write takes everything at once; a partial one only
            # happens on timeouts and signals, so slicing is for the loop.
            total = len(octets)
            sent = sslobj.write(octets) if total else 0
            while sent < total:
                sent += sslobj.write(octets[sent:])
        return None

    def sendfile(self, file, offset=0, count=None):
        """Send a file and return the number of bytes sent. Plain sockets
        use os.sendfile(); TLS sockets use the kernel (SSL_sendfile) when
        kernel TLS is on for sending, else read and send in chunks."""
        if self._sslobj is None:
            return super().sendfile(file, offset, count)
        if not self._ktls_sending():
            return self._sendfile_use_send(file, offset, count)
        try:
            return self._sendfile_use_ssl_sendfile(file, offset, count)
        except _GiveUpSSLSendfile:
            return self._sendfile_use_send(file, offset, count)

    def _ktls_sending(self):
        return self._sslobj.uses_ktls_for_send()

    def _sendfile_use_ssl_sendfile(self, file, offset, count):
        self._check_sendfile_params(file, offset, count)
        try:
            fileno = file.fileno()
            size = os.fstat(fileno).st_size
        except (AttributeError, OSError, ValueError) as exc:
            # Not a real file (io.UnsupportedOperation is both of the
            # latter): the chunked path can still read it.
            raise _GiveUpSSLSendfile(exc)
        if not size:
            return 0
        timeout = self.gettimeout()
        if timeout == 0:
            raise ValueError("non-blocking sockets are not supported")
        total = 0
        try:
            total = self._ssl_sendfile_loop(fileno, offset, count or size, timeout)
        finally:
            if total > 0 and hasattr(file, "seek"):
                file.seek(offset + total)
        return total

    def _ssl_sendfile_loop(self, fileno, offset, wanted, timeout):
        """Feed the file to the core's SSL_sendfile until wanted bytes are
        sent or the file ends; wait for writability between attempts."""
        chunk = min(wanted, 0x40000000)
        total = 0
        while total < wanted:
            try:
                sent = self._sslobj.sendfile(fileno, offset + total, min(chunk, wanted - total))
            except (BlockingIOError, _ssl.SSLWantWriteError):
                _wait_writable(self, timeout)
                continue
            except OSError as exc:
                if total == 0 and not isinstance(exc, SSLError):
                    # Nothing went out yet, so the chunked path can take
                    # over (the kernel refused sendfile for this file).
                    raise _GiveUpSSLSendfile(exc)
                raise
            if sent == 0:
                break  # end of file
            total += sent
        return total

    def recv(self, buflen=1024, flags=0):
        self._checkClosed()
        sslobj = self._sslobj
        if sslobj is None:
            return super().recv(buflen, flags)
        if flags:
            self._refuse_flags(flags, "recv")
        return self._read(sslobj, buflen, None)

    def recv_into(self, buffer, nbytes=None, flags=0):
        self._checkClosed()
        if nbytes is None:
            nbytes = self._default_read_size(buffer)
        sslobj = self._sslobj
        if sslobj is None:
            return super().recv_into(buffer, nbytes, flags)
        if flags:
            self._refuse_flags(flags, "recv_into")
        return self._read(sslobj, nbytes, buffer)

    @staticmethod
    def _default_read_size(buffer):
        if buffer is None:
            return 1024
        with memoryview(buffer) as view:
            return view.nbytes or 1024

    def recvfrom(self, buflen=1024, flags=0):
        self._checkClosed()
        if self._sslobj is not None:
            raise ValueError("recvfrom not allowed on instances of %s" % self.__class__)
        return super().recvfrom(buflen, flags)

    def recvfrom_into(self, buffer, nbytes=None, flags=0):
        self._checkClosed()
        if self._sslobj is not None:
            raise ValueError("recvfrom_into not allowed on instances of %s" % self.__class__)
        return super().recvfrom_into(buffer, nbytes, flags)

    def recvmsg(self, *args, **kwargs):
        raise NotImplementedError("recvmsg not allowed on instances of %s" % self.__class__)

    def recvmsg_into(self, *args, **kwargs):
        raise NotImplementedError("recvmsg_into not allowed on instances of %s" % self.__class__)

    @_same_doc
    def pending(self):
        self._checkClosed()
        if self._sslobj is None:
            return 0
        return self._sslobj.pending()

    def shutdown(self, how):
        self._checkClosed()
        self._sslobj = None
        super().shutdown(how)

    @_same_doc
    def unwrap(self):
        if not self._sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        plain = self._sslobj.shutdown()
        self._sslobj = None
        return plain

    @_same_doc
    def verify_client_post_handshake(self):
        if not self._sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        return self._sslobj.verify_client_post_handshake()

    def _real_close(self):
        self._sslobj = None
        super()._real_close()

    @_same_doc
    def do_handshake(self, block=False):
        self._check_connected()
        timeout = self.gettimeout()
        try:
            if timeout == 0.0 and block:
                self.settimeout(None)
            self._sslobj.do_handshake()
        finally:
            self.settimeout(timeout)

    def _real_connect(self, addr, connect_ex):
        if self.server_side:
            raise ValueError("can't connect in server-side mode")
        if self._connected or self._sslobj is not None:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        self._sslobj = self.context._wrap_socket(
            self, False, self.server_hostname, owner=self, session=self._session
        )
        try:
            if connect_ex:
                rc = super().connect_ex(addr)
            else:
                rc = None
                super().connect(addr)
            if not rc:
                self._connected = True
                if self.do_handshake_on_connect:
                    self.do_handshake()
            return rc
        except (OSError, ValueError):
            self._sslobj = None
            raise

    def connect(self, addr):
        """Connect to addr, then run the TLS handshake over the connection
        (unless do_handshake_on_connect is off)."""
        self._real_connect(addr, False)

    def connect_ex(self, addr):
        """Like connect() but return an errno instead of raising for a
        failed TCP connection."""
        return self._real_connect(addr, True)

    def accept(self):
        """Accept a connection; return (server-side SSLSocket, address)."""
        conn, addr = super().accept()
        conn = self.context.wrap_socket(
            conn,
            do_handshake_on_connect=self.do_handshake_on_connect,
            suppress_ragged_eofs=self.suppress_ragged_eofs,
            server_side=True,
        )
        return conn, addr

    @_same_doc
    def get_channel_binding(self, cb_type="tls-unique"):
        if self._sslobj is not None:
            return self._sslobj.get_channel_binding(cb_type)
        if cb_type not in CHANNEL_BINDING_TYPES:
            raise ValueError("{0} channel binding type not implemented".format(cb_type))
        return None

    @_same_doc
    def version(self):
        if self._sslobj is None:
            return None
        return self._sslobj.version()


SSLObject.__module__ = "pyssl"
SSLSocket.__module__ = "pyssl"
