"""One HookFlo per user and home: a second start brings the first forward."""

import asyncio
import uuid

from hookflo.core.paths import Paths
from hookflo.gui import instance
from tests.gui.conftest import until


async def test_a_second_start_asks_the_running_one_to_show_its_window(qapp):
    name = f"hookflo-test-{uuid.uuid4().hex[:12]}"
    running = instance.InstanceServer(name)
    assert running.listen()
    shown = []
    running.show_requested.connect(lambda: shown.append(1))
    try:
        assert await asyncio.to_thread(instance.ask_running_to_show, name)
        await until(lambda: shown, what="the show request")
    finally:
        running.close()
    assert not await asyncio.to_thread(instance.ask_running_to_show, name, 200)


async def test_a_name_left_by_a_dead_instance_is_taken_over(qapp):
    name = f"hookflo-test-{uuid.uuid4().hex[:12]}"
    first = instance.InstanceServer(name)
    assert first.listen()
    second = instance.InstanceServer(name)
    try:
        # Qt refuses a name in use; the newcomer removes it and listens.
        assert second.listen()
    finally:
        first.close()
        second.close()


def test_the_name_depends_on_the_user_and_the_data_directory(tmp_path):
    one = Paths(tmp_path / "a", tmp_path / "a" / "data", tmp_path / "a" / "logs")
    two = Paths(tmp_path / "b", tmp_path / "b" / "data", tmp_path / "b" / "logs")
    assert instance.socket_name(one) == instance.socket_name(one)
    assert instance.socket_name(one) != instance.socket_name(two)
    assert instance.socket_name(one).startswith("hookflo-")
