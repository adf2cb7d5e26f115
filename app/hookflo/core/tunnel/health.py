"""Check that a request through the public URL reaches this very receiver.

Qt-free. The receiver answers ``GET /.hookflo/health/<token>`` with the
token, a random value per run (Clerk never sends that request, and it is not
recorded as a refused attempt). Getting the token back through the public
URL proves the whole path: ngrok's edge, the agent, the forward to the
receiver's address, and that it is this HookFlo and not an older one.
"""

import logging
import re
from collections.abc import Awaitable, Callable

import aiohttp

from hookflo.core import receiver

logger = logging.getLogger(__name__)

Probe = Callable[[str, str], Awaitable[str | None]]
"""Checks a public URL for a token; returns None when it came back, else why."""

_CODE = re.compile(r"ERR_NGROK_\d+")
_MAX_ANSWER_BYTES = 4096


class HttpProbe:
    """Requests the self-check route through the public URL.

    Args:
        timeout_s: the limit of one check.
        rewrite: maps the check's URL to the one to request (tests use it to
            reach a stand-in's public side); None requests it as it is.
    """

    def __init__(
        self, *, timeout_s: float, rewrite: Callable[[str], str] | None = None
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._rewrite = rewrite

    async def __call__(self, public_url: str, token: str) -> str | None:
        """Return None if the token came back through ``public_url``, else why."""
        url = public_url.rstrip("/") + receiver.health_path(token)
        if self._rewrite is not None:
            url = self._rewrite(url)
        # ngrok's free plan shows browsers a warning page unless told not to.
        headers = {"ngrok-skip-browser-warning": "1", "User-Agent": "HookFlo"}
        try:
            async with (
                aiohttp.ClientSession(
                    timeout=self._timeout, trust_env=False
                ) as session,
                session.get(url, headers=headers, allow_redirects=False) as answer,
            ):
                body = (await answer.content.read(_MAX_ANSWER_BYTES)).decode(
                    "utf-8", "replace"
                )
                status = answer.status
                code = answer.headers.get("Ngrok-Error-Code")
        except (aiohttp.ClientError, TimeoutError) as err:
            return f"the public URL did not answer ({type(err).__name__})"
        if status == 200 and body.strip() == token:
            return None
        code = code or _first_code(body)
        suffix = f", {code}" if code else ""
        return (
            f"a request through the public URL did not reach HookFlo ({status}{suffix})"
        )


async def agent_answers(api_url: str, *, timeout_s: float) -> bool:
    """Return whether the agent's local API answers within ``timeout_s``."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
            session.get(f"{api_url}/api/endpoints") as answer,
        ):
            await answer.read()
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError) as err:
        logger.debug("The agent's API did not answer: %s", type(err).__name__)
        return False


def _first_code(text: str) -> str | None:
    match = _CODE.search(text)
    return match.group(0) if match else None
