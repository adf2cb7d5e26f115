"""Running out of file descriptors: one report, one retry, no flood."""

import asyncio
import errno
import subprocess
import sys
import textwrap

import pytest

from hookflo.core import listener

# A child process at a file limit of 64 fills its table, then accepts.
CHILD = textwrap.dedent(
    """
    import errno, json, resource, socket, time
    from hookflo.core import listener

    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    server = listener.ListeningSocket(socket.AF_INET, socket.SOCK_STREAM, 0)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    clients = [socket.create_connection(server.getsockname()) for _ in range(2)]
    filler = []
    while True:
        try:
            filler.append(open("/dev/null"))
        except OSError:
            break

    def attempt():
        try:
            server.accept()
        except BlockingIOError:
            return "nothing"
        except OSError as err:
            return errno.errorcode[err.errno]
        return "accepted"

    seen = [attempt(), attempt(), attempt()]
    time.sleep(listener.REST_S + 0.1)
    seen.append(attempt())
    filler.pop().close()
    filler.pop().close()
    time.sleep(listener.REST_S + 0.1)
    seen.append(attempt())
    print(json.dumps(seen))
    """
)


def test_accept_rests_after_running_out_of_descriptors():
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert done.stdout.strip() == (
        '["EMFILE", "nothing", "nothing", "EMFILE", "accepted"]'
    )


def accept_failure(loop: asyncio.AbstractEventLoop) -> None:
    loop.call_exception_handler(
        {
            "message": "socket.accept() out of system resource",
            "exception": OSError(errno.EMFILE, "Too many open files"),
        }
    )


@pytest.mark.expect_log_warnings
async def test_accept_failures_are_said_once_a_minute_the_rest_passed_on(caplog):
    loop = asyncio.get_running_loop()
    passed_on: list[str] = []
    loop.set_exception_handler(
        lambda _loop, context: passed_on.append(context["message"])
    )
    errors = listener.AcceptErrors(loop)
    errors.install()
    try:
        for _ in range(5):
            accept_failure(loop)
        loop.call_exception_handler({"message": "something else"})
        said = [r.getMessage() for r in caplog.records if r.name == listener.__name__]
        assert said == [
            "Cannot accept connections: Too many open files; retrying every "
            "second (1 failed accept; said at most once a minute)"
        ]
        assert passed_on == ["something else"]
    finally:
        errors.uninstall()
    said = [r.getMessage() for r in caplog.records if r.name == listener.__name__]
    assert "(4 failed accepts;" in said[-1]
    assert len(said) == 2
    accept_failure(loop)  # the previous handler is back
    assert passed_on == ["something else", "socket.accept() out of system resource"]
    loop.set_exception_handler(None)


async def test_bind_refuses_an_address_in_use():
    taken = await listener.bind("127.0.0.1", 0)
    taken[0].listen(1)
    port = taken[0].getsockname()[1]
    try:
        with pytest.raises(OSError, match="in use") as refused:
            await listener.bind("127.0.0.1", port)
        assert refused.value.errno == errno.EADDRINUSE
    finally:
        taken[0].close()
