"""Outbound HTTP for webhooks and Web Push that refuses private addresses at
connect time. The check runs on the address the socket actually connected to, so a
host name that resolves to a public address when saved and to 127.0.0.1 later (DNS
rebinding) is still refused."""

import ipaddress
import socket

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class RefusedAddress(Exception):
    # Not an OSError, so urllib3 neither retries nor wraps it: the caller sees it as is.
    pass


NAT64 = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix translates to whatever the local network chooses.
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition form reaches: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL or ip.teredo:
            return False  # where these lead cannot be told from the address
        ip = _embedded_ipv4(ip) or ip
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)


class _PeerCheck:
    def _new_conn(self):
        # Refuse before connecting if the name resolves to a private address, and check
        # again the address actually connected to (the name may resolve differently).
        for *_rest, sockaddr in socket.getaddrinfo(self._dns_host, self.port, 0, socket.SOCK_STREAM):
            if not address_is_public(sockaddr[0]):
                raise RefusedAddress(f"Refused to connect to a private address ({sockaddr[0]}).")
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not address_is_public(peer):
            sock.close()
            raise RefusedAddress(f"Refused to connect to a private address ({peer}).")
        return sock


class _CheckedHTTPConnection(_PeerCheck, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerCheck, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def outbound_session() -> requests.Session:
    """A session for user-supplied URLs: with OUTBOUND_ALLOW_PRIVATE off (production)
    only public addresses are reached; redirects are not followed by the callers."""
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment in front of the check
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        adapter = PublicOnlyAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def url_allowed(url: str) -> str | None:
    """Why a URL may not be used, or None. In production only https is allowed."""
    if not settings.OUTBOUND_ALLOW_PRIVATE and not url.lower().startswith("https://"):
        return "Only https:// addresses are allowed."
    if not url.lower().startswith(("https://", "http://")):
        return "Use an http(s):// address."
    return None
