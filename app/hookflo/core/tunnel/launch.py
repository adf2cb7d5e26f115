"""The steps that bring an agent up, each with a limit and a plain failure.

Qt-free; used by the supervisor on the event loop. Each step runs its
blocking part in a thread (``offthread``) and turns whatever goes wrong into
a ``TunnelError``.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from hookflo.core import logs
from hookflo.core.errors import KeyringUnavailableError
from hookflo.core.tunnel import agent, download, errors, guard, offthread
from hookflo.core.tunnel.errors import Problem, TunnelError
from hookflo.core.tunnelconfig import TunnelSettings

logger = logging.getLogger(__name__)


async def download_agent(
    settings: TunnelSettings,
    *,
    data_dir: Path,
    stall_timeout_s: float,
    limit_s: float,
    on_progress: Callable[[download.Progress], None],
) -> Path:
    """Download the agent into ``data_dir`` (the user asked); return its path.

    ``on_progress`` is called on the event loop. Cancelling this coroutine
    (the tunnel stops, HookFlo quits) stops the download at its next chunk.

    Raises:
        TunnelError: the download failed (Problem.DOWNLOAD_FAILED).
    """
    target = download.agent_path(data_dir)
    loop = asyncio.get_running_loop()
    cancel = threading.Event()

    def report(progress: download.Progress) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(on_progress, progress)

    def fetch() -> None:
        url = download.source_url(settings.download_url)
        logger.info(
            "Downloading the ngrok agent from %s to %s",
            download.shown(url),
            target,
        )
        download.fetch(
            url,
            target,
            stall_timeout_s=stall_timeout_s,
            on_progress=report,
            cancel=cancel,
        )

    try:
        await offthread.call(fetch, timeout_s=limit_s, name="hookflo-ngrok-download")
    except download.DownloadError as err:
        logger.info("Downloading the ngrok agent failed: %s", err)
        raise errors.download_failed(
            err.reason,
            http_status=err.http_status,
            mirror=settings.download_url is not None,
        ) from err
    except TimeoutError as err:
        raise errors.download_failed(f"it took longer than {limit_s:g} s") from err
    finally:
        cancel.set()  # a no-op once it finished; else the thread stops
    logger.info("Downloaded the ngrok agent to %s", target)
    return target


async def read_authtoken(read: Callable[[], str | None], *, timeout_s: float) -> str:
    """Return the authtoken, registered with the log redactor.

    Raises:
        TunnelError: there is none, or the keyring cannot be read.
    """
    try:
        authtoken = await offthread.call(
            read, timeout_s=timeout_s, name="hookflo-tunnel-authtoken"
        )
    except KeyringUnavailableError as err:
        raise errors.keyring_failed(str(err)) from err
    except TimeoutError as err:
        raise errors.keyring_failed("The keyring did not answer") from err
    if not authtoken or not authtoken.strip():
        raise errors.no_authtoken()
    logs.register_secret(authtoken)
    return authtoken.strip()


async def start(
    started: agent.Agent, authtoken: str, *, timeout_s: float, domain: str | None
) -> None:
    """Start the agent and wait until it is up.

    Raises:
        TunnelError: it failed or did not come up within ``timeout_s``.
    """
    from pyngrok import exception  # loaded here, with the first agent

    try:
        await offthread.call(
            lambda: started.start(authtoken), timeout_s=timeout_s, name="hookflo-ngrok"
        )
    except TimeoutError as err:
        raise TunnelError(
            Problem.AGENT_UNRESPONSIVE,
            f"the ngrok agent did not start within {timeout_s:g} s",
            "HookFlo restarts it",
        ) from err
    except exception.PyngrokError as err:
        lines = err.ngrok_logs if isinstance(err, exception.PyngrokNgrokError) else []
        raise explain(err, agent.error_texts(lines), started, domain) from err


async def open_endpoint(
    started: agent.Agent, upstream: str, *, timeout_s: float, domain: str | None
) -> str:
    """Open the endpoint forwarding to ``upstream``; return the public URL.

    Raises:
        TunnelError: the agent refused it or did not answer.
    """
    from pyngrok import exception

    try:
        return await offthread.call(
            lambda: started.open(upstream, domain),
            timeout_s=timeout_s,
            name="hookflo-ngrok-open",
        )
    except TimeoutError as err:
        raise TunnelError(
            Problem.AGENT_UNRESPONSIVE,
            "the ngrok agent's local API does not answer",
            "HookFlo restarts it",
        ) from err
    except exception.PyngrokError as err:
        raise explain(err, agent.error_texts(started.logs()), started, domain) from err


def explain(
    error: BaseException, lines: list[str], started: agent.Agent, domain: str | None
) -> TunnelError:
    """Translate a failure; for the session limit, name the agents seen here."""
    explained = errors.translate(error, lines, domain=domain)
    if explained.problem is not Problem.SESSION_LIMIT:
        return explained
    others = guard.foreign_agents(started.ngrok_path, besides=started.pid)
    if not others:
        return explained
    return TunnelError(
        explained.problem,
        explained.summary,
        f"{explained.advice}; on this machine, ngrok runs as pid "
        f"{', '.join(map(str, others))}",
        explained.code,
    )
