"""``hookflo send-test``: post a signed Clerk-shaped event to the receiver."""

import argparse
import json
import logging
import urllib.error
import urllib.request

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import signingsecret, testevent
from hookflo.core.config import Config, Source
from hookflo.core.errors import SecretFormatError, UserFacingError
from hookflo.core.server import read_runtime_file

logger = logging.getLogger(__name__)

TIMEOUT_S = 10.0


class RefusedError(UserFacingError):
    """The receiver answered the test event with an error."""


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``send-test`` command."""
    parser = commands.add_parser(
        "send-test",
        help="send a signed test event to the running receiver",
        description="Post a Clerk-shaped event, signed with the source's secret "
        "exactly as Svix signs, to the running receiver, marked as a test.",
    )
    parser.add_argument("--source", help="source to send to (default: the first)")
    parser.add_argument(
        "--type",
        dest="event_type",
        default="user.created",
        help="Clerk event type (default: user.created)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Sign and post the test event; report the receiver's answer."""
    config = env.load_config()
    source = config.source(args.source) if args.source else config.sources[0]
    secret = _signing_secret(env, source)
    event = testevent.build(args.event_type, secret)
    url = _receiver_url(env, config) + source.path
    request = urllib.request.Request(
        url, data=event.body, headers=event.headers, method="POST"
    )
    # The receiver is local: never go through an http_proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        raise RefusedError(_refusal_text(url, err)) from err
    except (urllib.error.URLError, OSError) as err:
        raise UserFacingError(
            f"Nothing answered at {url} ({_why(err)}); start the receiver with "
            "`hookflo serve`"
        ) from err
    env.print(
        f"Sent test {args.event_type} {event.msg_id} to {url}: "
        f"{answer.get('status', 'accepted')}"
    )
    return ExitStatus.SUCCESS


def _signing_secret(env: Env, source: Source) -> str:
    found = env.secrets().signing_secrets(source.name).values
    if not found:
        raise UserFacingError(
            f"No signing secret set for {source.name!r}; run "
            f"`hookflo secret set {source.name}` first"
        )
    # The newest secret is the last one added during a rotation.
    try:
        return signingsecret.check(found[-1])
    except SecretFormatError as err:
        raise UserFacingError(
            f"The signing secret of {source.name!r} is malformed: {err}"
        ) from err


def _receiver_url(env: Env, config: Config) -> str:
    running = read_runtime_file(env.paths.runtime_file)
    host, port = running or (config.receiver.host, config.receiver.port)
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _refusal_text(url: str, err: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(err.read())
        detail = f"{body['error']}: {body['message']}"
    except (ValueError, KeyError, TypeError):
        detail = err.reason
    return (
        f"The receiver at {url} refused the test event with {err.code} ({detail}); "
        "`hookflo attempts` shows the hint"
    )


def _why(err: BaseException) -> str:
    reason = getattr(err, "reason", None)
    return str(reason or err)
