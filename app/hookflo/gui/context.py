"""What every window of the tray app shares: paths, settings, secrets, server.

The GUI reads and changes these only through the Qt-free core; widgets hold
no business logic.
"""

import dataclasses
from collections.abc import Callable, Mapping

from hookflo.core.config import Config
from hookflo.core.credentials import Credentials
from hookflo.core.paths import Paths
from hookflo.core.server import Server
from hookflo.core.tunnel.supervisor import Tunnel


@dataclasses.dataclass
class AppContext:
    """The running app's shared state.

    Attributes:
        paths: where config, data and logs live.
        config: the settings as last loaded (replaced when they are saved).
        credentials: keyring access (call it off the UI thread).
        environ: the process environment (secret overrides).
        server: the receiver, store and dispatcher, once started.
        tunnel: the ngrok tunnel, while ``[tunnel] enabled`` has it open
            (read ``tunnel.public_url`` and ``tunnel.status``).
        download_agent: asks, then downloads the ngrok agent and starts the
            tunnel (the tray app's "Download ngrok agent…"); None outside it.
    """

    paths: Paths
    config: Config
    credentials: Credentials
    environ: Mapping[str, str]
    server: Server | None = None
    tunnel: Tunnel | None = None
    download_agent: Callable[[], None] | None = None
