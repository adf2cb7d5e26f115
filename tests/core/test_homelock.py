"""One HookFlo per home: the lock file, its message, and the real ``Server``."""

import json
import os
import subprocess
import sys

import keyring.backends.null
import pytest

from hookflo.core import config, homelock, paths
from hookflo.core.credentials import Credentials
from hookflo.core.errors import AlreadyRunningError
from hookflo.core.server import Server


@pytest.fixture
def where(hookflo_home):
    found = paths.resolve({"HOOKFLO_HOME": str(hookflo_home)})
    found.ensure()
    return found


def make_server(where) -> Server:
    return Server(
        where,
        config.Config(config.ReceiverSettings(port=0), ()),
        Credentials({}, backend=keyring.backends.null.Keyring()),
        host="127.0.0.1",
        port=0,
    )


def test_a_free_home_has_no_holder_and_a_held_one_names_the_holder(where):
    assert homelock.holder(where) is None
    lock = homelock.HomeLock(where)
    lock.acquire()
    try:
        assert lock.held
        assert where.lock_file.read_text(encoding="ascii") == f"{os.getpid()}\n"
        assert homelock.holder(where) == (
            f"HookFlo is already running for {where.home} (pid {os.getpid()}, "
            "still starting); stop it first, or set HOOKFLO_HOME for a second copy"
        )
        with pytest.raises(AlreadyRunningError):
            homelock.HomeLock(where).acquire()
    finally:
        lock.release()
    assert not lock.held
    assert homelock.holder(where) is None


def test_a_receiver_file_left_by_another_pid_is_not_quoted(where):
    where.runtime_file.write_text(
        json.dumps({"pid": 1, "host": "127.0.0.1", "port": 9}), encoding="utf-8"
    )
    lock = homelock.HomeLock(where)
    lock.acquire()
    try:
        message = homelock.holder(where)
    finally:
        lock.release()
    assert message is not None
    assert f"(pid {os.getpid()}, still starting)" in message
    assert ":9" not in message


def test_a_receiver_file_of_a_dead_run_is_not_quoted_before_the_pid_is_written(
    where,
):
    # The holder took the lock but has not written its pid yet; the file left
    # by a killed run must not be taken for it.
    gone = _pid_of_a_finished_process()
    where.runtime_file.write_text(
        json.dumps({"pid": gone, "host": "127.0.0.1", "port": 18809}),
        encoding="utf-8",
    )
    message = homelock.already_running(where, holder=None)
    assert f"pid {gone}" not in message
    assert ":18809" not in message
    assert "(pid unknown, still starting)" in message


def _pid_of_a_finished_process() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_home_is_hookflo_home_or_else_the_data_directory(tmp_path, where):
    assert where.home == where.config_dir
    apart = paths.Paths(tmp_path / "cfg", tmp_path / "data" / "x", tmp_path / "log")
    assert apart.home == tmp_path / "data" / "x"


async def test_a_second_server_on_one_home_refuses_and_leaves_the_first_alone(
    where,
):
    first = make_server(where)
    await first.start()
    written = where.runtime_file.read_text(encoding="utf-8")
    second = make_server(where)
    try:
        with pytest.raises(AlreadyRunningError) as refused:
            await second.start()
        assert str(refused.value) == (
            f"HookFlo is already running for {where.home} (pid {os.getpid()}, "
            f"listening on {first.base_url}); stop it first, or set HOOKFLO_HOME "
            "for a second copy"
        )
        await second.stop()  # as the tray app does after a failed start
        assert where.runtime_file.read_text(encoding="utf-8") == written
        assert homelock.holder(where) is not None
    finally:
        await first.stop()
    assert not where.runtime_file.exists()
    assert homelock.holder(where) is None
    await second.start()  # the home is free again
    await second.stop()


async def test_stop_leaves_a_receiver_file_it_did_not_write(where):
    server = make_server(where)
    await server.start()
    other = {"pid": os.getpid(), "host": "127.0.0.1", "port": server.port + 1}
    where.runtime_file.write_text(json.dumps(other), encoding="utf-8")
    await server.stop()
    assert json.loads(where.runtime_file.read_text(encoding="utf-8")) == other
