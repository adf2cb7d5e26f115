"""Build the tunnel for a running server: the one call front ends make.

Qt-free. ``hookflo serve --tunnel`` and the tray app both call ``for_server``
once the receiver has bound its address, then ``start()`` the result.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from hookflo.core import channelsecrets
from hookflo.core.config import Config
from hookflo.core.credentials import Credentials
from hookflo.core.paths import Paths
from hookflo.core.server import Server
from hookflo.core.tunnel import health
from hookflo.core.tunnel.supervisor import Tunnel, TunnelTiming


def for_server(
    server: Server,
    config: Config,
    credentials: Credentials,
    paths: Paths,
    *,
    environ: Mapping[str, str] | None = None,
    timing: TunnelTiming | None = None,
    probe: health.Probe | None = None,
    scratch_root: Path | None = None,
) -> Tunnel:
    """Return the tunnel for a started ``server``, forwarding to its address.

    The authtoken is read (off the loop, at each start) from
    ``HOOKFLO_NGROK_AUTHTOKEN`` in ``environ``, else the keyring entry
    ``ngrok-authtoken``.
    """
    env = os.environ if environ is None else environ

    def read_authtoken() -> str | None:
        return channelsecrets.read(credentials, env, channelsecrets.NGROK_AUTHTOKEN)

    return Tunnel(
        config.tunnel,
        upstream=upstream_url(server.host, server.port),
        sources=config.sources,
        health_token=server.health_token,
        read_authtoken=read_authtoken,
        data_dir=paths.data_dir,
        scratch_root=scratch_root,
        environ=env,
        timing=timing,
        probe=probe,
    )


def upstream_url(host: str, port: int) -> str:
    """Return the URL the agent forwards to: the receiver's bound address."""
    # An unspecified bind address means "every interface", of which loopback
    # is the one the agent, on this machine, should use.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
