"""Outbound HTTP to user-supplied URLs (webhooks and Web Push endpoints).

Two promises, whatever the receiver does:
- a total wall-clock deadline per call (connect, TLS, request, headers and body):
  requests' own timeout is per socket read, so a receiver that drips one byte every
  few seconds would hold a worker for ever. When the deadline passes, the call's
  sockets are shut down, which ends any blocked read or write at once;
- at most OUTBOUND_MAX_RESPONSE_BYTES of an answer are read; the rest is dropped.

With OUTBOUND_ALLOW_PRIVATE off (production), private, loopback and link-local
addresses are refused at connect time: the check runs on every resolved address and
again on the address the socket actually connected to, so a host name that resolves
to a public address when saved and to 127.0.0.1 later (DNS rebinding) is refused."""

import contextlib
import ipaddress
import socket
import threading
import time

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error


class RefusedAddress(Exception):
    # Not an OSError, so urllib3 neither retries nor wraps it: the caller sees it as is.
    pass


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)


class Deadline:
    """The end of one outbound call. Sockets opened during the call register here; a
    timer shuts them down when the time is up."""

    _current = threading.local()

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    @classmethod
    def current(cls) -> "Deadline | None":
        return getattr(cls._current, "deadline", None)

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> "Deadline":
        Deadline._current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        Deadline._current.deadline = None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _OutboundConnection:
    def _new_conn(self):
        public_only = not settings.OUTBOUND_ALLOW_PRIVATE
        if public_only:
            # Refuse before connecting if the name resolves to a private address.
            for *_rest, sockaddr in socket.getaddrinfo(self._dns_host, self.port, 0, socket.SOCK_STREAM):
                if not address_is_public(sockaddr[0]):
                    raise RefusedAddress(f"Refused to connect to a private address ({sockaddr[0]}).")
        sock = super()._new_conn()
        if public_only:
            # ...and check the address actually connected to (the name may resolve differently).
            peer = sock.getpeername()[0]
            if not address_is_public(peer):
                sock.close()
                raise RefusedAddress(f"Refused to connect to a private address ({peer}).")
        if deadline := Deadline.current():
            deadline.watch(sock)
        return sock


class _HTTPConnection(_OutboundConnection, HTTPConnection):
    pass


class _HTTPSConnection(_OutboundConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class OutboundAdapter(HTTPAdapter):
    def __init__(self, *, max_body: int):
        self.max_body = max_body
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def send(self, request, stream=False, timeout=None, **kwargs):
        if deadline := Deadline.current():
            # No single wait may outlast the call (the timer is the backstop for drips).
            left = max(deadline.remaining(), 0.01)
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            timeout = (min(connect or left, left), min(read or left, left))
        response = super().send(request, stream=True, timeout=timeout, **kwargs)
        try:
            # Read a bounded answer now; the callers only look at the status (and push
            # at a short error text).
            body = response.raw.read(self.max_body, decode_content=True) or b""
        except (Urllib3Error, OSError) as error:
            response.close()
            raise requests.ConnectionError(f"The answer was cut off: {error}", request=request) from error
        response._content = body
        response._content_consumed = True
        response.close()  # the rest, if any, is never read
        return response


class OutboundSession(requests.Session):
    """A session for user-supplied URLs; every request is one call under one deadline
    (redirects included). Raises requests.Timeout when the deadline passes."""

    def __init__(self, *, deadline: float | None = None, max_body: int | None = None):
        super().__init__()
        self.trust_env = False  # no proxies from the environment in front of the address check
        self.deadline = deadline if deadline is not None else settings.OUTBOUND_DEADLINE_SECONDS
        adapter = OutboundAdapter(max_body=max_body if max_body is not None else settings.OUTBOUND_MAX_RESPONSE_BYTES)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, *args, **kwargs):
        with Deadline(self.deadline) as deadline:
            try:
                response = super().request(method, url, *args, **kwargs)
            except (requests.RequestException, Urllib3Error, OSError) as error:
                if deadline.expired:
                    raise self._timeout() from error
                raise
        if deadline.expired:  # the sockets were shut mid-answer; what was read is not the answer
            raise self._timeout()
        return response

    def _timeout(self) -> requests.Timeout:
        return requests.Timeout(f"Timed out: no complete answer within {self.deadline:g} s.")


def outbound_session() -> OutboundSession:
    """A session for user-supplied URLs; callers do not follow redirects."""
    return OutboundSession()


def url_allowed(url: str) -> str | None:
    """Why a URL may not be used, or None. In production only https is allowed."""
    if not settings.OUTBOUND_ALLOW_PRIVATE and not url.lower().startswith("https://"):
        return "Only https:// addresses are allowed."
    if not url.lower().startswith(("https://", "http://")):
        return "Use an http(s):// address."
    return None
