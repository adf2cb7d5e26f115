"""Settings for the ngrok tunnel: the ``[tunnel]`` table of ``config.toml``.

The authtoken is a secret and lives in the keyring, never here. Parsing
reports faults through the caller's ``fail`` so every message names the file
and the key.
"""

import dataclasses
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hookflo.core import loopback

Fail = Callable[[str, str, object], Exception]

DOMAIN_PATTERN = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+-[0-9]+)?$")
_KEYS = {"enabled", "domain", "region", "ngrok_path", "download_url"}


@dataclasses.dataclass(frozen=True, slots=True)
class TunnelSettings:
    """``[tunnel]``: whether to open it, and how.

    Attributes:
        enabled: open the tunnel whenever HookFlo serves.
        domain: a domain reserved in the ngrok account, so the public URL
            never changes; None for a new random URL on each start.
        region: the ngrok region (``us``, ``eu``, ``ap``, …); None lets ngrok
            choose the closest.
        ngrok_path: the agent binary to run; None looks on PATH, then for
            the copy HookFlo downloaded, then in pyngrok's own directory.
            HookFlo downloads the agent only when the user asks
            (``hookflo tunnel install``, the tray's "Download ngrok agent…").
        download_url: where that download comes from (a .zip or .tgz laid
            out like ngrok's); None for ngrok's own, as pyngrok knows it. For
            mirrors and tests.
    """

    enabled: bool = False
    domain: str | None = None
    region: str | None = None
    ngrok_path: Path | None = None
    download_url: str | None = None


def parse_tunnel(raw: dict[str, Any], fail: Fail) -> TunnelSettings:
    """Parse the ``[tunnel]`` table (empty when absent)."""
    for key in raw:
        if key not in _KEYS:
            raise fail(f"tunnel.{key}", f"one of {', '.join(sorted(_KEYS))}", key)
    enabled = raw.get("enabled", False)
    if not isinstance(enabled, bool):
        raise fail("tunnel.enabled", "true or false", enabled)
    domain = raw.get("domain")
    if domain is not None and (
        not isinstance(domain, str) or not DOMAIN_PATTERN.match(domain.lower())
    ):
        raise fail(
            "tunnel.domain",
            "a domain name without https://, such as 'example.ngrok-free.app'",
            domain,
        )
    region = raw.get("region")
    if region is not None and (
        not isinstance(region, str) or not REGION_PATTERN.match(region)
    ):
        raise fail("tunnel.region", "an ngrok region such as 'us' or 'eu'", region)
    ngrok_path = raw.get("ngrok_path")
    if ngrok_path is not None:
        if not isinstance(ngrok_path, str) or not ngrok_path.strip():
            raise fail("tunnel.ngrok_path", "the path of the ngrok binary", ngrok_path)
        path = Path(ngrok_path.strip()).expanduser()
        if not path.is_absolute():
            raise fail("tunnel.ngrok_path", "an absolute path", ngrok_path)
        ngrok_path = path
    return TunnelSettings(
        enabled=enabled,
        domain=domain.lower() if domain else None,
        region=region,
        ngrok_path=ngrok_path,
        download_url=_download_url(raw.get("download_url"), fail),
    )


def _download_url(value: object, fail: Fail) -> str | None:
    """Accept https, or plain http to this machine only (it gets executed)."""
    if value is None:
        return None
    expected = "an https:// URL of the agent's .zip or .tgz (http:// for loopback)"
    if not isinstance(value, str):
        raise fail("tunnel.download_url", expected, value)
    try:
        parts = urllib.parse.urlsplit(value.strip())
    except ValueError:
        raise fail("tunnel.download_url", expected, value) from None
    if not parts.hostname or parts.scheme not in {"https", "http"}:
        raise fail("tunnel.download_url", expected, value)
    if parts.scheme == "http" and not loopback.is_loopback(parts.hostname):
        raise fail("tunnel.download_url", expected, value)
    return value.strip()
