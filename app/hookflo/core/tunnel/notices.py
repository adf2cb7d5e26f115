"""What the tunnel tells the user in the log when it comes up.

Qt-free. INFO lines carry the public webhook URL of each source (``event``
"tunnel_up", ``url``, ``source``) for harnesses and log readers; ALERT lines
are for the user's eye (the GUI surfaces them): the URL changed, and how to
get one that never does.
"""

import logging

from hookflo.core import logs
from hookflo.core.tunnel import errors
from hookflo.core.tunnel.status import TunnelStatus

logger = logging.getLogger(__name__)

STATIC_DOMAIN_ADVICE = (
    "for a URL that never changes, claim your free static domain at "
    f"{errors.DOMAINS_URL} and set domain in the [tunnel] table of config.toml"
)


def tunnel_up(status: TunnelStatus) -> None:
    """Log the public webhook URL of each source."""
    for webhook in status.webhook_urls:
        logger.info(
            "Tunnel up: %s (%s) at %s",
            webhook.source,
            webhook.environment,
            webhook.url,
            extra={"event": "tunnel_up", "source": webhook.source, "url": webhook.url},
        )


def new_url(public_url: str, previous: str | None) -> None:
    """Say that a random URL is new, and what that means for Clerk."""
    if previous is not None:
        logger.log(
            logs.ALERT,
            "The public URL changed from %s to %s: Clerk still sends to the old "
            "one, where deliveries fail (ERR_NGROK_3200), until you update the "
            "endpoint in Clerk's dashboard",
            previous,
            public_url,
            extra={"event": "tunnel_url_changed", "url": public_url},
        )
    logger.log(
        logs.ALERT,
        "Without a reserved domain the public URL changes on each start; update "
        "the Clerk endpoint to it each time, or %s",
        STATIC_DOMAIN_ADVICE,
        extra={"event": "tunnel_url_changes"},
    )
