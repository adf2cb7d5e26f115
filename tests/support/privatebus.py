"""A private D-Bus session bus for one test.

The daemon runs from its own configuration, not ``--session``: that one lists
the system's service directories, so a call to an absent name could start a
real notification daemon (dunst, for one) behind the test's back. Here nothing
can be activated, and the socket lives in a short directory of its own (unix
socket paths are limited to 107 bytes; ``tmp_path`` can be longer).
"""

import dataclasses
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import pytest

INSTALL_HINT = "install it with: apt-get install dbus, or run ./dev setup"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0

_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


@dataclasses.dataclass
class PrivateBus:
    """A running dbus-daemon that only this test talks to."""

    address: str
    socket: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    directory: Path

    def stop(self) -> None:
        """Stop the daemon and remove its socket; safe to call twice."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_private_bus(tmp_path: Path) -> PrivateBus:
    """Start a session bus with no activatable services; fail the test if it can't."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail(f"dbus-daemon not found; {INSTALL_HINT}", pytrace=False)
    directory = Path(tempfile.mkdtemp(prefix="hookflo-bus-"))
    socket = directory / "bus"
    config = tmp_path / "private-bus.conf"
    config.write_text(_CONFIG.format(socket=socket), encoding="utf-8")
    log = (tmp_path / "dbus-daemon.log").open("wb")
    process = subprocess.Popen(
        [
            "dbus-daemon",
            f"--config-file={config}",
            "--nofork",
            "--nopidfile",
            "--print-address=1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    bus = PrivateBus("", socket, process, log, directory)
    bus.address = _read_address(bus)
    return bus


def _read_address(bus: PrivateBus) -> str:
    """Read the line the daemon prints once it listens, within the deadline."""
    assert bus.process.stdout is not None
    ready, _, _ = select.select([bus.process.stdout], [], [], START_TIMEOUT_S)
    line = bus.process.stdout.readline() if ready else b""
    address = line.decode().strip()
    if not address:
        bus.stop()
        why = "printed no address" if ready else f"silent for {START_TIMEOUT_S:g} s"
        pytest.fail(f"dbus-daemon {why}; see {bus.log.name}", pytrace=False)
    return address
