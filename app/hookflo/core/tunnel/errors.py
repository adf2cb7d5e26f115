"""What can go wrong with the tunnel, in words the user can act on.

Qt-free. ``translate`` turns what pyngrok raised and what the agent logged
into one ``TunnelError``: a ``Problem``, a short summary and advice. ngrok's
error code (``ERR_NGROK_…``) stays in the summary so it can be looked up. No
text from the agent reaches a message without going through the log
redactor, so an authtoken could not slip through.
"""

import enum
import json
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hookflo.core import logs
from hookflo.core.errors import UserFacingError
from hookflo.core.tunnel import download

if TYPE_CHECKING:
    from pyngrok.log import NgrokLog

AUTHTOKEN_URL = "https://dashboard.ngrok.com/get-started/your-authtoken"
AGENTS_URL = "https://dashboard.ngrok.com/agents"
DOMAINS_URL = "https://dashboard.ngrok.com/domains"
DOWNLOAD_URL = "https://ngrok.com/download"
INSTALL = "`hookflo tunnel install`"
OFFER = "Download ngrok agent…"
SET_TOKEN = (
    "add your ngrok authtoken in Settings (or run `hookflo secret set "
    "ngrok-authtoken`; HOOKFLO_NGROK_AUTHTOKEN for headless use)"
)
_CODE = re.compile(r"ERR_NGROK_\d+")
_DETAIL_CHARS = 160
_NETWORK_WORDS = (
    "no such host",
    "dial tcp",
    "i/o timeout",
    "connection refused",
    "network is unreachable",
    "connection reset",
    "tls handshake timeout",
    "failed to dial",
)


class Problem(enum.StrEnum):
    """Why the tunnel is not up."""

    NO_AGENT = "no_agent"
    DOWNLOAD_FAILED = "download_failed"
    NO_AUTHTOKEN = "no_authtoken"
    AUTHTOKEN_REJECTED = "authtoken_rejected"
    KEYRING = "keyring"
    SESSION_LIMIT = "session_limit"
    DOMAIN_NOT_RESERVED = "domain_not_reserved"
    DOMAIN_IN_USE = "domain_in_use"
    NO_NETWORK = "no_network"
    TLS_INTERCEPTED = "tls_intercepted"
    AGENT_FAILED = "agent_failed"
    AGENT_UNRESPONSIVE = "agent_unresponsive"
    UNREACHABLE = "unreachable"


class Retry(enum.Enum):
    """How the supervisor reacts to a problem."""

    NEVER = "never"  # only on the user's word: a new token, a fixed config
    ONCE = "once"  # one automatic retry (the other agent may be on its way out)
    BACKOFF = "backoff"  # again and again, waiting longer each time


_RETRY = {
    Problem.NO_AGENT: Retry.NEVER,
    Problem.DOWNLOAD_FAILED: Retry.NEVER,
    Problem.NO_AUTHTOKEN: Retry.NEVER,
    Problem.AUTHTOKEN_REJECTED: Retry.NEVER,
    Problem.KEYRING: Retry.NEVER,
    Problem.DOMAIN_NOT_RESERVED: Retry.NEVER,
    Problem.SESSION_LIMIT: Retry.ONCE,
}


class TunnelError(UserFacingError):
    """The tunnel cannot be up, and what to do about it.

    Attributes:
        problem: the kind of failure.
        summary: a short phrase for a status line, e.g. "authtoken rejected
            (ERR_NGROK_105)".
        advice: what the user can do.
        code: ngrok's error code, when it gave one.
    """

    def __init__(
        self, problem: Problem, summary: str, advice: str = "", code: str | None = None
    ) -> None:
        text = summary[:1].upper() + summary[1:]
        super().__init__(f"{text}; {advice}" if advice else text)
        self.problem = problem
        self.summary = summary
        self.advice = advice
        self.code = code

    @property
    def retry(self) -> Retry:
        """Whether and how the supervisor tries again by itself."""
        return _RETRY.get(self.problem, Retry.BACKOFF)


def no_agent(looked_in: Sequence[str], *, configured: bool) -> TunnelError:
    """No agent binary where HookFlo looked (it downloads none unless asked).

    Args:
        looked_in: the places, in the order they were tried.
        configured: ``ngrok_path`` is set, so nothing else was tried.
    """
    if configured:
        advice = (
            f"install ngrok from {DOWNLOAD_URL} at that path, or point ngrok_path "
            "in the [tunnel] table of config.toml at the agent, or remove "
            f"ngrok_path and run {INSTALL}"
        )
    else:
        advice = (
            f"run {INSTALL} (it downloads the agent, about {download.ABOUT_MB} MB, "
            f'showing progress) or choose "{OFFER}" in the tray menu; or install '
            f"ngrok from {DOWNLOAD_URL} and set ngrok_path in the [tunnel] table "
            "of config.toml"
        )
    return TunnelError(
        Problem.NO_AGENT,
        f"not available: ngrok agent not found (looked in {', '.join(looked_in)})",
        f"{advice}. The local receiver keeps running",
    )


def download_failed(
    reason: str, *, http_status: int | None = None, mirror: bool = False
) -> TunnelError:
    """Downloading the agent, which the user asked for, failed for ``reason``.

    Args:
        reason: why, in a few words.
        http_status: the server's answer, when it answered with an error:
            being online again does not help then.
        mirror: the address was ``[tunnel] download_url``, not ngrok's own.
    """
    install = (
        f"install ngrok from {DOWNLOAD_URL} and set ngrok_path in the [tunnel] "
        "table of config.toml"
    )
    if http_status is not None and mirror:
        advice = (
            f"the server answered {http_status}: check download_url in the "
            f"[tunnel] table of config.toml, then run {INSTALL} again; or {install}"
        )
    elif http_status is not None:
        advice = (
            f"ngrok's server answered {http_status}: try {INSTALL} again later, "
            f"set download_url in the [tunnel] table of config.toml to a mirror, "
            f"or {install}"
        )
    else:
        advice = (
            f'try {INSTALL} (or the tray\'s "{OFFER}") again once online, or {install}'
        )
    return TunnelError(
        Problem.DOWNLOAD_FAILED, f"could not download the ngrok agent: {reason}", advice
    )


def no_authtoken() -> TunnelError:
    """No token in the keyring nor in the environment."""
    return TunnelError(
        Problem.NO_AUTHTOKEN,
        "no ngrok authtoken",
        f"{SET_TOKEN}; copy it from {AUTHTOKEN_URL}. The local receiver keeps running",
    )


def keyring_failed(reason: str) -> TunnelError:
    """The keyring could not be read for the token (and no override is set)."""
    first = reason.split(". ", 1)[0].rstrip(".")
    return TunnelError(
        Problem.KEYRING,
        "no ngrok authtoken: the keyring cannot be read",
        f"{first}; for headless use set HOOKFLO_NGROK_AUTHTOKEN, or add your ngrok "
        "authtoken in Settings once the keyring works",
    )


def from_session_line(line: "NgrokLog", *, domain: str | None) -> TunnelError | None:
    """Explain an error line about the agent's session with ngrok, if it is one.

    ngrok logs many lines; only failures of its session (e.g. "failed to
    reconnect session") mean that the public URL stopped working.
    """
    about_session = "session" in (line.msg or "") or "session" in (line.obj or "")
    if line.lvl not in {"ERROR", "CRITICAL"} or not about_session:
        return None
    return from_texts([line.err or line.msg or line.line], domain=domain)


def translate(
    error: BaseException, agent_errors: Sequence[str], *, domain: str | None
) -> TunnelError:
    """Explain a pyngrok failure, using what the agent logged with it.

    Args:
        error: what pyngrok raised.
        agent_errors: the ``err`` texts of the agent's error lines, oldest
            first (ngrok's last line often drops the code the first had).
        domain: the reserved domain asked for, if any.
    """
    texts = [*_http_details(error), *reversed(agent_errors), str(error)]
    return from_texts(texts, domain=domain)


def from_texts(texts: Sequence[str], *, domain: str | None) -> TunnelError:
    """Explain a failure from the agent's own words, the most recent first.

    A text with an error code, or one that names a network or TLS failure,
    decides; others (ngrok's closing "command failed" line drops the code)
    defer to the texts before them.
    """
    for text in texts:
        match = _CODE.search(text)
        if match:
            return _by_code(match.group(0), text, domain)
        lowered = text.lower()
        if "x509" in lowered or "certificate" in lowered:
            return TunnelError(
                Problem.TLS_INTERCEPTED,
                "cannot reach ngrok: the TLS connection is intercepted "
                f"({_detail(text)})",
                "a proxy or antivirus on this network inspects TLS (corporate TLS "
                "interception); allow connect.ngrok-agent.com or use another "
                "network. HookFlo keeps retrying",
            )
        if any(word in lowered for word in _NETWORK_WORDS):
            return TunnelError(
                Problem.NO_NETWORK,
                f"no network: cannot reach ngrok ({_detail(text)})",
                "check the connection; HookFlo keeps retrying",
            )
    if "authentication failed" in " ".join(texts).lower():
        return _token_rejected(None, "ngrok refused the authtoken")
    return TunnelError(
        Problem.AGENT_FAILED,
        f"the ngrok agent failed ({_detail(texts[0] if texts else '')})",
        "HookFlo keeps retrying",
    )


def _by_code(code: str, text: str, domain: str | None) -> TunnelError:
    number = code.rsplit("_", 1)[1]
    if number == "105":
        return _token_rejected(code, "ngrok says it does not look like an authtoken")
    if number == "107":
        return _token_rejected(code, "ngrok says it was reset or revoked")
    if number in {"4018", "106"}:
        return _token_rejected(code, "ngrok requires a verified account's authtoken")
    if number == "108":
        return TunnelError(
            Problem.SESSION_LIMIT,
            f"another ngrok agent is using your account ({code})",
            "the free plan allows one agent session at a time: stop the other "
            f"agent (your sessions are listed at {AGENTS_URL}), then retry",
            code,
        )
    if number in {"320", "7117", "7118"}:
        where = f"the domain {domain}" if domain else "the domain"
        return TunnelError(
            Problem.DOMAIN_NOT_RESERVED,
            f"{where} is not reserved for this ngrok account ({code})",
            f"reserve it at {DOMAINS_URL} (a free account gets one static domain), "
            "use the authtoken of the account that owns it, or fix domain in the "
            "[tunnel] table of config.toml",
            code,
        )
    if number == "334":
        where = f"the domain {domain}" if domain else "the endpoint"
        return TunnelError(
            Problem.DOMAIN_IN_USE,
            f"{where} is already online in another ngrok session ({code})",
            "another agent serves it, on this machine or another (or ngrok still "
            "holds a session HookFlo lost): stop it; HookFlo keeps retrying and "
            "does not fall back to a random URL",
            code,
        )
    return TunnelError(
        Problem.AGENT_FAILED,
        f"the ngrok agent failed ({code}: {_detail(text)})",
        f"see https://ngrok.com/docs/errors/{code.lower()}; HookFlo keeps retrying",
        code,
    )


def _token_rejected(code: str | None, why: str) -> TunnelError:
    label = f"authtoken rejected ({code})" if code else "authtoken rejected"
    return TunnelError(
        Problem.AUTHTOKEN_REJECTED,
        label,
        f"{why}; copy the current one from {AUTHTOKEN_URL} and {SET_TOKEN}",
        code,
    )


def _http_details(error: BaseException) -> list[str]:
    """Return ngrok's own explanation from an agent API error answer."""
    if "pyngrok.exception" not in sys.modules:
        return []  # pyngrok loads with the first agent: nothing raised is its
    from pyngrok import exception

    if not isinstance(error, exception.PyngrokNgrokHTTPError):
        return []
    try:
        answer = json.loads(error.body)
    except (TypeError, ValueError):
        return [str(error.body)]
    details = answer.get("details") if isinstance(answer, dict) else None
    if isinstance(details, dict) and isinstance(details.get("err"), str):
        return [details["err"]]
    return [str(answer.get("msg", ""))] if isinstance(answer, dict) else []


def _detail(text: str) -> str:
    """Return agent text cleaned for a one-line message, secrets removed."""
    cleaned = text.replace("\\r", " ").replace("\\n", " ")
    cleaned = _CODE.sub("", " ".join(cleaned.split())).strip(" .:")
    if len(cleaned) > _DETAIL_CHARS:
        cleaned = cleaned[: _DETAIL_CHARS - 1] + "…"
    return logs.redact(cleaned)
