"""Exit statuses of the ``hookflo`` command (defined in ``hookflo.exitstatus``).

The commands import ``ExitStatus`` from here; the tray launcher imports it
from ``hookflo.exitstatus``, so it does not load the command line.
"""

from hookflo.exitstatus import ExitStatus

__all__ = ["ExitStatus"]
