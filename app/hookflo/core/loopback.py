"""Whether a host or URL stays on this machine, decided without any lookup.

Plain ``http://`` is allowed only to loopback: anything sent elsewhere (a
Slack token, a Clerk secret key, an agent to execute) would cross the network
unencrypted.
"""

import ipaddress
import urllib.parse


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback IP."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_plain_http_elsewhere(url: str) -> bool:
    """Whether ``url`` is plain ``http://`` to a host other than this machine."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and not is_loopback(host or "")
