"""The file limit is raised at start, and the connection cap stays below it."""

import resource
import subprocess
import sys

import pytest

from hookflo.core import fdlimit

CHILD = "from hookflo.core import fdlimit; print(fdlimit.raise_soft_limit())"


@pytest.mark.parametrize(
    ("file_limit", "cap"),
    [(None, 256), (1024, 256), (4096, 256), (256, 192), (100, 36), (40, 16)],
)
def test_the_cap_leaves_room_for_the_rest_of_the_process(file_limit, cap):
    assert fdlimit.connection_cap(file_limit) == cap


def soft_limit_in_child(soft: int, hard: int) -> int:
    """Return what ``raise_soft_limit`` leaves in a process started at these limits."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    return int(done.stdout)


@pytest.mark.parametrize(
    ("soft", "hard", "after"),
    [(256, 2048, 2048), (256, 8192, 4096), (6000, 8192, 6000), (512, 512, 512)],
)
def test_the_soft_limit_is_raised_up_to_the_hard_limit_never_lowered(soft, hard, after):
    # A hard limit above this process's own needs root (CI runs as root): a
    # child that cannot set its limits fails here, it does not skip.
    assert soft_limit_in_child(soft, hard) == after
