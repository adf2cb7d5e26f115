"""Exit statuses of the ``hookflo`` process, whichever front end runs.

NOTE: keep this module free of imports from ``hookflo.cli`` and
``hookflo.gui``: the tray launcher imports it, and importing anything under
``hookflo.cli`` loads every command.
"""

import enum


class ExitStatus(enum.IntEnum):
    """What the process exit code means."""

    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    REFUSED = 4
    KEYRING = 5
    ALREADY_RUNNING = 6
    INTERRUPTED = 130
    # The reader of stdout went away (``hookflo events | head -1``): 128 +
    # SIGPIPE, what a shell reports for a command that a closed pipe ended.
    BROKEN_PIPE = 141
