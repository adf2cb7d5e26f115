"""A real, private Secret Service per test: dbus-daemon plus gnome-keyring-daemon.

The bus is started from its own configuration rather than ``--session``: it
has no service directories, so nothing can be D-Bus-activated on it. No
password prompter can appear (a locked collection then fails at once instead
of hanging) and no second keyring daemon can start behind the test's back.
The daemons get their own HOME, XDG directories and runtime directory, and
both bus addresses point at the private bus, so they touch nothing of the
machine's. Starting both takes about 0.1 s, so every test gets fresh ones.
"""

import contextlib
import dataclasses
import gc
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import jeepney
import keyring.backend
import keyring.backends.SecretService
import keyring.core
import pytest
import secretstorage
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from hookflo.core.credentials import SERVICE

INSTALL_HINT = "install with: apt-get install dbus gnome-keyring or run ./dev setup"
REQUIRED_PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")
LOGIN_PASSWORD = "hookflo-test-login"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0

_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
# Variables that could point a daemon or the keyring library elsewhere.
_UNSET = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "GNOME_KEYRING_CONTROL",
    "SSH_AUTH_SOCK",
    "PYTHON_KEYRING_BACKEND",
)


@dataclasses.dataclass
class SecretService:
    """A running private Secret Service and the environment that reaches it."""

    address: str
    env: dict[str, str]
    home: Path
    socket: Path
    was_locked: bool = False

    def backend(self) -> keyring.backends.SecretService.Keyring:
        """Return a keyring backend bound to nothing but the Secret Service."""
        return keyring.backends.SecretService.Keyring()

    def lock(self) -> None:
        """Lock the default collection, as a screen lock or a timeout would."""
        with self._connection() as connection:
            secretstorage.get_default_collection(connection).lock()
        self.was_locked = True
        self.ignore_leaked_sockets()

    def ignore_leaked_sockets(self) -> None:
        """Do not fail on sockets to this bus that keyring leaves open.

        Workaround: keyring 25.7.0's SecretService backend opens a D-Bus
        connection in ``get_preferred_collection`` and does not close it when
        it raises ``KeyringLocked`` (collection locked) or ``InitError``; the
        garbage collector closes it later with a ResourceWarning, which this
        suite turns into an error in whichever test happens to collect it.
        Only warnings about sockets to this private bus are ignored, and only
        after ``lock()``; remove once keyring closes the connection itself.
        """
        warnings.filterwarnings(
            "ignore",
            message=rf"unclosed <socket\.socket .*raddr={re.escape(str(self.socket))}>",
            category=ResourceWarning,
        )

    def is_locked(self) -> bool:
        """Whether the default collection is locked."""
        with self._connection() as connection:
            return bool(secretstorage.get_default_collection(connection).is_locked())

    def stored(self) -> dict[str, str]:
        """Return every HookFlo entry in the keyring, read past HookFlo's code."""
        with self._connection() as connection:
            collection = secretstorage.get_default_collection(connection)
            return {
                item.get_attributes()["username"]: item.get_secret().decode("utf-8")
                for item in collection.search_items({"service": SERVICE})
            }

    @contextlib.contextmanager
    def _connection(self) -> Iterator[DBusConnection]:
        connection = open_dbus_connection(self.address)
        try:
            yield connection
        finally:
            connection.close()


def reset_keyring_choice() -> None:
    """Make the keyring library choose its backend again from the environment.

    ``keyring.get_keyring()`` caches its choice in ``keyring.core`` and the
    list of viable backends in ``keyring.backend.get_all_keyring`` (a
    ``jaraco.functools.once``); a backend found unviable once is never
    considered again unless that list is dropped too.
    """
    with contextlib.suppress(KeyError):  # nothing cached yet
        keyring.backend.get_all_keyring.reset()
    keyring.core.init_backend()


@pytest.fixture
def secret_service(tmp_path, monkeypatch) -> Iterator[SecretService]:
    """Start a private bus and an unlocked gnome-keyring; point everything at it."""
    missing = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found; {INSTALL_HINT}", pytrace=False)

    # NOTE: unix socket paths are limited to 107 bytes, and tmp_path can be
    # long; the bus socket and the keyring's control socket go in a short one.
    runtime = Path(tempfile.mkdtemp(prefix="hookflo-ss-"))
    home = tmp_path / "ss-home"
    home.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        GSETTINGS_BACKEND="memory",
        NO_AT_BRIDGE="1",
    )
    started: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []
    try:
        address = _start_bus(runtime, tmp_path, env, started, logs)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        # gnome-keyring-daemon also tries the system bus; keep it on ours.
        env["DBUS_SYSTEM_BUS_ADDRESS"] = address
        _start_keyring_daemon(tmp_path, env, started, logs)

        for name in _UNSET:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            if os.environ.get(name) != value:
                monkeypatch.setenv(name, value)
        monkeypatch.setattr(keyring.core, "_keyring_backend", None)
        reset_keyring_choice()
        chosen = keyring.get_keyring()
        if not isinstance(chosen, keyring.backends.SecretService.Keyring):
            pytest.fail(f"keyring chose {chosen!r} despite the Secret Service")

        service = SecretService(address, env, home, runtime / "bus")
        yield service
        if service.was_locked:
            with warnings.catch_warnings():
                service.ignore_leaked_sockets()
                gc.collect()
    finally:
        for process in reversed(started):
            _stop(process)
        for log in logs:
            log.close()
        shutil.rmtree(runtime, ignore_errors=True)
        with contextlib.suppress(KeyError):
            keyring.backend.get_all_keyring.reset()


def _start_bus(
    runtime: Path,
    log_dir: Path,
    env: dict[str, str],
    started: list[subprocess.Popen[bytes]],
    logs: list[IO[bytes]],
) -> str:
    config = runtime / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=runtime / "bus"), encoding="utf-8")
    log = (log_dir / "dbus-daemon.log").open("wb")
    logs.append(log)
    bus = subprocess.Popen(
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
        env=env,
    )
    started.append(bus)
    assert bus.stdout is not None
    with bus.stdout:
        address = bus.stdout.readline().decode().strip()
    if not address:
        pytest.fail(f"dbus-daemon printed no address; see {log.name}", pytrace=False)
    return address


def _start_keyring_daemon(
    log_dir: Path,
    env: dict[str, str],
    started: list[subprocess.Popen[bytes]],
    logs: list[IO[bytes]],
) -> None:
    log = (log_dir / "gnome-keyring-daemon.log").open("wb")
    logs.append(log)
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    started.append(daemon)
    assert daemon.stdin is not None
    with daemon.stdin:
        daemon.stdin.write(LOGIN_PASSWORD.encode())

    connection = open_dbus_connection(env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _has_default_collection(connection):
            if daemon.poll() is not None:
                pytest.fail(
                    f"gnome-keyring-daemon exited with {daemon.returncode}; "
                    f"see {log.name}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"gnome-keyring-daemon not ready after {START_TIMEOUT_S:g} s; "
                    f"see {log.name}",
                    pytrace=False,
                )
            time.sleep(0.01)
    finally:
        connection.close()


def _has_default_collection(connection: DBusConnection) -> bool:
    """Whether the daemon owns its bus name and has made the login collection."""
    if not secretstorage.check_service_availability(connection):
        return False
    service = jeepney.DBusAddress(
        "/org/freedesktop/secrets",
        bus_name="org.freedesktop.secrets",
        interface="org.freedesktop.Secret.Service",
    )
    reply = connection.send_and_get_reply(
        jeepney.new_method_call(service, "ReadAlias", "s", ("default",))
    )
    if reply.header.message_type is not jeepney.MessageType.method_return:
        return False
    return bool(reply.body[0] != "/")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
