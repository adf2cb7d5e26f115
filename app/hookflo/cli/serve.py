"""``hookflo serve``: the receiver and its store, headless."""

import argparse
import asyncio
import contextlib
import logging
import signal

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import logs
from hookflo.core.config import Config
from hookflo.core.server import Server
from hookflo.core.tunnel import build

logger = logging.getLogger(__name__)

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``serve`` command."""
    parser = commands.add_parser(
        "serve",
        help="run the webhook receiver headless",
        description="Receive, verify and store webhooks until interrupted.",
    )
    parser.add_argument("--host", help="address to bind (default: config or 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, help="port to bind, 0 for any (default: config or 8787)"
    )
    parser.add_argument(
        "--json-logs", action="store_true", help="log one JSON object per line"
    )
    parser.add_argument(
        "--tunnel",
        action="store_true",
        help="also open the ngrok tunnel (as enabled = true in [tunnel] does)",
    )
    parser.add_argument(
        "--log-level",
        choices=sorted(_LEVELS),
        default="info",
        help="console log level (default: info)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Serve until SIGINT or SIGTERM."""
    config = env.load_config()
    paths = env.paths
    paths.ensure()
    logs.setup(
        level=_LEVELS[args.log_level],
        json_lines=args.json_logs,
        log_file=paths.log_file,
        stream=env.stderr,
    )
    tunnel = args.tunnel or config.tunnel.enabled
    asyncio.run(_serve(env, config, args.host, args.port, tunnel=tunnel))
    return ExitStatus.SUCCESS


async def _serve(
    env: Env, config: Config, host: str | None, port: int | None, *, tunnel: bool
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    server = Server(env.paths, config, env.secrets(), host=host, port=port)
    await server.start()
    public = None
    if tunnel:
        public = build.for_server(
            server, config, env.secrets(), env.paths, environ=env.environ
        )
        await public.start()
    try:
        await stop.wait()
        logger.info("Shutting down")
    finally:
        if public is not None:
            await public.stop()
        await server.stop()


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not in 0..65535")
    return port
