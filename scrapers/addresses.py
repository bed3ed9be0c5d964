"""Which addresses a source may reach: public ones only, unless it opts in.

The check is made on the address actually connected to, inside the connection itself
(`GuardedBackend.connect_tcp`), after the TCP handshake and before a byte is sent. A name that
resolves to a public address for a look-up and to 127.0.0.1 for the connection (DNS rebinding)
is therefore refused like a literal 127.0.0.1. Literal addresses are refused before connecting.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
from collections.abc import Iterable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")     # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")       # IPv4 embedded in the low 32 bits


class AddressRefused(Exception):
    """Raised by the guarded connection; the fetcher turns it into `BlockedAddress`."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        name = host.strip("[]")
        super().__init__(f"{name} is a {reason} address" if name == address
                         else f"{name} is {address}, a {reason} address")
        self.host, self.address, self.reason = host, address, reason


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (::ffff:a.b.c.d, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not a public one (e.g. "loopback"), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return refusal(inner)
        if address.is_site_local:
            return "site-local"
    checks = (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("shared", isinstance(address, ipaddress.IPv4Address) and address in _SHARED),
              ("reserved", address.is_reserved), ("private", address.is_private),
              ("non-public", not address.is_global))
    return next((name for name, hit in checks if hit), None)


def parse_address(text: str) -> IPAddress | None:
    """An IP address (an IPv6 zone such as %eth0 is kept), or None for a host name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own network backend, refusing connections to non-public addresses (other
    than those in `allowed`)."""

    def __init__(self, allowed: Iterable[IPNetwork] = ()) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allowed = tuple(allowed)

    def check(self, host: str, address: IPAddress) -> None:
        if any(address.version == n.version and address in n for n in self._allowed):
            return
        reason = refusal(address)
        if reason is not None:
            raise AddressRefused(host, str(address), reason)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        literal = parse_address(host)
        if literal is not None:   # known before connecting: nothing is sent at all
            self.check(host, literal)
        stream = await self._inner.connect_tcp(host, port, timeout=timeout,
                                               local_address=local_address,
                                               socket_options=socket_options)
        peer = stream.get_extra_info("server_addr")
        connected = parse_address(str(peer[0])) if isinstance(peer, tuple) and peer else None
        try:
            if connected is None:
                raise AddressRefused(host, repr(peer), "unknown")
            self.check(host, connected)
        except AddressRefused:
            await stream.aclose()
            raise
        return stream

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(path, path, "local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certificates verified against its CA bundle), built once
    per process and shared by every client: building one reads the whole bundle, ~20 ms, and
    a run built three (one per client and pool)."""
    return httpx.create_ssl_context()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a `GuardedBackend` (httpx 0.28 takes no backend argument, so
    the connection pool is built here with the same settings). Proxies from the environment
    are not used: the address checked must be the site's, not a proxy's."""

    def __init__(self, limits: httpx.Limits, allowed: Iterable[IPNetwork] = ()) -> None:
        super().__init__(limits=limits, verify=tls_context())
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allowed))
