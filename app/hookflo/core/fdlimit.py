"""How many connections the receiver may hold open, given the file limit.

Every connection costs a file descriptor, and so do the store, the log file
and the channels' own sockets. The receiver raises its soft limit where the
platform allows, then keeps its connection count well below that limit, so
that running out of descriptors (and with it every accept and every store
write failing) cannot come from clients alone.
"""

import logging
import sys

logger = logging.getLogger(__name__)

# The soft limit asked for at start (capped by the hard limit).
WANTED_FILES = 4096
# Connections held open at once, at most.
MAX_CONNECTIONS = 256
# Descriptors kept for everything but the held connections: the store's
# connections, logs, channel sockets, and connections being turned away.
RESERVED_FILES = 64
# The fewest connections allowed, however low the file limit.
MIN_CONNECTIONS = 16


def raise_soft_limit(wanted: int = WANTED_FILES) -> int | None:
    """Raise the soft file limit toward ``wanted``; return the limit now.

    Returns None where the platform has no such limit (Windows).
    """
    if sys.platform == "win32":
        return None
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as err:
            logger.debug("Could not raise the file limit to %d: %s", target, err)
        else:
            soft = target
    logger.debug("File limit: %s (hard limit %s)", soft, hard)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_cap(file_limit: int | None) -> int:
    """Return how many connections to hold open at once under ``file_limit``."""
    if file_limit is None:
        return MAX_CONNECTIONS
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, file_limit - RESERVED_FILES))
