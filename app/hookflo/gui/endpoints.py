"""The URLs Clerk is given: the tunnel's public URL, else the local receiver.

Qt-free. The tunnel is the context's (``AppContext.tunnel``), or one the
server carries (``server.tunnel``); either is read defensively, since the app
may run without one.
"""

from hookflo.core.config import Source
from hookflo.gui.context import AppContext

_ANY_ADDRESS = {"0.0.0.0", "::", ""}


def base_url(context: AppContext) -> tuple[str, bool]:
    """Return the base URL of the endpoints, and whether it is public.

    The tunnel's URL when it is up; otherwise the receiver's local address,
    which Clerk cannot reach.
    """
    public = tunnel_url(context)
    if public is not None:
        return public, True
    return local_url(context), False


def local_url(context: AppContext) -> str:
    """Return the receiver's URL as reachable from this machine."""
    if context.server is not None:
        host, port = context.server.host, context.server.port
    else:
        host, port = context.config.receiver.host, context.config.receiver.port
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def tunnel_url(context: AppContext) -> str | None:
    """Return the tunnel's public URL when a tunnel is up, else None."""
    for tunnel in (context.tunnel, getattr(context.server, "tunnel", None)):
        url = getattr(tunnel, "public_url", None)
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url.rstrip("/")
    return None


def endpoint_url(context: AppContext, source: Source) -> str:
    """Return the full URL of ``source``'s endpoint."""
    return base_url(context)[0] + source.path
