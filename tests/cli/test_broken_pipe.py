"""A reader that stops early (``hookflo events | head -1``) ends the run quietly."""

import io
import os
import subprocess
import sys
from pathlib import Path

import keyring.backends.null
import pytest

from hookflo import cli
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core.credentials import Credentials
from tests.support.clerk import SECRET

HOOKFLO = Path(sys.executable).with_name("hookflo")
COMMANDS = [("events",), ("attempts",), ("deliveries",), ("secret", "list")]


class ClosedPipe(io.StringIO):
    """A stdout whose reader has gone: every write fails as a pipe's would."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("argv", COMMANDS)
def test_a_closed_stdout_ends_the_command_without_a_message(hookflo_home, argv):
    environ = {"HOOKFLO_HOME": str(hookflo_home), "HOOKFLO_SECRET_CLERK": SECRET}
    env = Env(
        stdin=io.StringIO(""),
        stdout=ClosedPipe(),
        stderr=io.StringIO(),
        environ=environ,
        credentials=Credentials(environ, backend=keyring.backends.null.Keyring()),
    )

    status = cli.main(list(argv), env)

    assert status == ExitStatus.BROKEN_PIPE == 141
    assert isinstance(env.stderr, io.StringIO)
    assert env.stderr.getvalue() == ""


@pytest.mark.parametrize("argv", COMMANDS)
def test_a_reader_that_closed_early_gets_no_broken_pipe_message(hookflo_home, argv):
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HOOKFLO_")
        and name not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")
    }
    environ["HOOKFLO_HOME"] = str(hookflo_home)
    environ["HOOKFLO_SECRET_CLERK"] = SECRET
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run(
            [str(HOOKFLO), *argv],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(write_end)

    assert done.stderr == ""
    assert done.returncode == 141
