"""Exit statuses of the ``hookflo`` command."""

import enum


class ExitStatus(enum.IntEnum):
    """What the process exit code means."""

    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    REFUSED = 4
    KEYRING = 5
    INTERRUPTED = 130
