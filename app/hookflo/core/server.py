"""Run the receiver and its store until asked to stop (``hookflo serve``).

Qt-free: the tray app runs the same ``Server`` inside its qasync loop.
"""

import asyncio
import errno
import functools
import gc
import ipaddress
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp import web

from hookflo.core import (
    connguard,
    fdlimit,
    homelock,
    inflight,
    listener,
    plainerrors,
    quiethours,
)
from hookflo.core.alerting import channelset, routing
from hookflo.core.alerting.compose import TemplateComposer
from hookflo.core.alerting.outbox import Dispatcher
from hookflo.core.alerting.pacing import POLICIES, Policy
from hookflo.core.catchup import newevents
from hookflo.core.catchup import routes as catchuproutes
from hookflo.core.catchup.watch import Watch
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Config
from hookflo.core.credentials import Credentials
from hookflo.core.derived.recorder import ChangeRecorder
from hookflo.core.digest import launch as digestlaunch
from hookflo.core.digest.scheduler import DigestScheduler
from hookflo.core.errors import UserFacingError
from hookflo.core.eventwriter import EventWriter, NewEvent
from hookflo.core.paths import Paths
from hookflo.core.receiver import Receiver
from hookflo.core.secretcache import SecretCache

logger = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0
# How long an idle connection stays open between requests (aiohttp's own
# default is an hour; Svix reuses connections within seconds).
KEEPALIVE_TIMEOUT_S = 75.0


class Server:
    """The receiver, its store and the alert dispatcher, run together.

    Args:
        paths: where the store, config and templates live.
        config: the settings from ``config.toml``.
        credentials: reads the signing secrets.
        host: the address to bind instead of the configured one.
        port: the port to bind instead of the configured one (0: any).
        environ: where channel secret overrides are read (``os.environ``).
        policies: pacing and retry rules per channel instead of
            ``pacing.POLICIES`` (tests shorten the holds).
        clock: wall-clock seconds for the alerts (tests move it to pass
            quiet hours).

    Attributes:
        host: the address bound, once started.
        port: the port bound (the real one when 0 was asked), once started.
        writer: the durable event writer, for listeners of new events.
        dispatcher: sends the alerts, once started (for delivery listeners).
        digests: sends the daily and weekly digests, once started; None
            when ``[digests]`` schedules none.
        watch: records when this run listens and catches up after time
            offline (in the background, once listening).
        on_notification_clicked: called with an event id when the user
            clicks a desktop notification (the GUI opens the event).
        health_token: a random value per run that the receiver answers at
            its self-check route (the tunnel checks the public URL with it).
    """

    def __init__(
        self,
        paths: Paths,
        config: Config,
        credentials: Credentials,
        *,
        host: str | None = None,
        port: int | None = None,
        environ: Mapping[str, str] | None = None,
        policies: Mapping[ChannelName, Policy] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._paths = paths
        self._config = config
        self._credentials = credentials
        self._environ = os.environ if environ is None else environ
        self._policies = POLICIES if policies is None else policies
        self._clock = clock
        self.host = host or config.receiver.host
        self.port = config.receiver.port if port is None else port
        self._secrets = SecretCache(credentials, config.sources)
        self.writer = EventWriter(paths.database_file, asyncio.get_running_loop())
        self._runner: web.AppRunner | None = None
        self._guard: connguard.ConnectionGuard | None = None
        self._accept_errors: listener.AcceptErrors | None = None
        self._lock = homelock.HomeLock(paths)
        self._in_flight = inflight.InFlight()
        self._listening = False
        self.dispatcher: Dispatcher | None = None
        self.digests: DigestScheduler | None = None
        self.on_notification_clicked: Callable[[int], None] = _log_click
        self.health_token = secrets.token_urlsafe(18)
        self.watch = Watch(
            config,
            credentials,
            self._environ,
            self.writer,
            paths.database_file,
            clock=self._clock,
        )

    @property
    def base_url(self) -> str:
        """The receiver's local URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Open the store, read the secrets and start listening.

        Raises:
            AlreadyRunningError: another copy of HookFlo runs on this home.
            UserFacingError: the store cannot be opened or the port is taken.
        """
        self._paths.ensure()
        # First: a second copy must not touch the store or the outbox.
        self._lock.acquire()
        channel_plan = await asyncio.to_thread(
            channelset.plan, self._config.channels, self._credentials, self._environ
        )
        channel_plan = await channelset.without_missing_desktop(channel_plan)
        self.writer.router = functools.partial(
            _route, self._config, channel_plan.active
        )
        self.writer.derive = ChangeRecorder(self._config.routes)
        self.writer.start()
        self.dispatcher = Dispatcher(
            self._paths.database_file,
            channelset.build(channel_plan, on_clicked=self._clicked),
            TemplateComposer(self._paths.template_dir),
            fingerprints=channel_plan.fingerprints(),
            policies=self._policies,
            clock=self._clock,
            quiet=quiethours.QuietGate(self._config.quiet_hours),
        )
        self.writer.listeners.append(lambda _id, _event: self._wake_dispatcher())
        await self.dispatcher.start()
        self.digests = digestlaunch.build(
            self._config.digests,
            channel_plan,
            self._paths.database_file,
            self._paths.template_dir,
            clock=self._clock,
            on_clicked=self._clicked,
        )
        if self.digests is not None:
            await self.digests.start(after=self.watch.settled)
        await self._secrets.load()
        receiver = Receiver(
            self._config, self.writer, self._secrets, health_token=self.health_token
        )
        self._guard = self._connection_guard()
        application = receiver.application()
        application.middlewares.insert(0, self._guard.middleware)
        application.middlewares.append(self._in_flight.middleware)
        self._runner = plainerrors.Runner(
            application,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            keepalive_timeout=KEEPALIVE_TIMEOUT_S,
        )
        await self._runner.setup()
        try:
            await self._listen(self._runner, self._guard)
        except OSError as err:
            await self.stop()
            raise _bind_error(self.host, self.port, self._paths, err) from err
        self.port = _bound_port(self._runner, self.port)
        self._listening = True
        self._write_runtime_file()
        self._announce()
        await self.watch.start()
        # What start-up created lives as long as the server: keep it out of
        # the collector's full passes, which otherwise stall bursts.
        gc.freeze()

    async def stop(self) -> None:
        """Stop accepting, finish in-flight requests and close the store."""
        if self._runner is not None:
            await self._in_flight.drain(self._runner, SHUTDOWN_TIMEOUT_S)
            await self._runner.cleanup()
            self._runner = None
        if self._guard is not None:
            self._guard.close()
            self._guard = None
        if self._accept_errors is not None:
            self._accept_errors.uninstall()
            self._accept_errors = None
        await self.watch.stop()
        if self.digests is not None:
            await self.digests.stop()
            self.digests = None
        if self.dispatcher is not None:
            await self.dispatcher.stop()
            self.dispatcher = None
        await self.writer.close()
        if self._listening:
            self._listening = False
            _remove_runtime_file(self._paths.runtime_file, self._runtime_info())
            logger.info("Receiver stopped", extra={"event": "stopped"})
        self._lock.release()

    def _connection_guard(self) -> connguard.ConnectionGuard:
        loop = asyncio.get_running_loop()
        limit = fdlimit.connection_cap(fdlimit.raise_soft_limit())
        logger.debug("At most %d connections open at once", limit)
        self._accept_errors = listener.AcceptErrors(loop)
        self._accept_errors.install()
        return connguard.ConnectionGuard(loop, limit=limit)

    async def _listen(
        self, runner: web.AppRunner, guard: connguard.ConnectionGuard
    ) -> None:
        sockets = await listener.bind(self.host, self.port)
        try:
            for sock in sockets:
                await listener.Site(runner, sock, guard.wrap).start()
        except OSError:
            for sock in sockets:
                sock.close()
            raise

    def _wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _clicked(self, event_id: int) -> None:
        self.on_notification_clicked(event_id)

    def _announce(self) -> None:
        logger.info(
            "Listening on %s",
            self.base_url,
            extra={
                "event": "listening",
                "host": self.host,
                "port": self.port,
                "url": self.base_url,
            },
        )
        for source in self._config.sources:
            logger.info(
                "Source %s (%s) at %s%s",
                source.name,
                source.environment,
                self.base_url,
                source.path,
                extra={"source": source.name},
            )
            try:
                verifier = self._secrets.verifier(source.name)
            except UserFacingError:
                # Why was said when the secrets were read; say what it means.
                logger.warning(
                    "Source %s: its deliveries are refused (503, Svix retries) "
                    "until its signing secret can be read",
                    source.name,
                )
                continue
            if not verifier.has_secret:
                logger.warning(
                    "Source %s has no signing secret: its deliveries are refused "
                    "(503, Svix retries) until you run `hookflo secret set %s`",
                    source.name,
                    source.name,
                )
        quiet = self._config.quiet_hours
        if quiet.enabled:
            logger.info("Quiet hours: %s", quiethours.describe(quiet))
        if not _is_loopback(self.host):
            logger.warning(
                "Listening on %s, not on loopback: other machines can reach it",
                self.host,
            )

    def _runtime_info(self) -> dict[str, object]:
        return {"pid": os.getpid(), "host": self.host, "port": self.port}

    def _write_runtime_file(self) -> None:
        target = self._paths.runtime_file
        partial = target.with_suffix(".tmp")
        partial.write_text(json.dumps(self._runtime_info()), encoding="utf-8")
        partial.replace(target)


def _route(
    config: Config, active: frozenset[ChannelName], event: NewEvent
) -> tuple[ChannelName, ...]:
    if event.origin == newevents.ORIGIN:
        return catchuproutes.channels_for(config.routes, event, active)
    return routing.channels_for(
        config.routes,
        environment=event.environment,
        event_type=event.type,
        active=active,
    )


def _log_click(event_id: int) -> None:
    logger.info("Notification for event %d clicked", event_id)


def read_runtime_file(runtime_file: Path) -> tuple[str, int] | None:
    """Return the host and port of a receiver that is running, if any."""
    try:
        info = json.loads(runtime_file.read_text(encoding="utf-8"))
        pid, host, port = int(info["pid"]), str(info["host"]), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    return host, port


def _remove_runtime_file(runtime_file: Path, written: dict[str, object]) -> None:
    """Remove ``runtime_file`` if it still holds ``written`` (this run's)."""
    try:
        if json.loads(runtime_file.read_text(encoding="utf-8")) == written:
            runtime_file.unlink()
    except (OSError, ValueError):
        pass


def _bound_port(runner: web.AppRunner, asked: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return asked


def _bind_error(host: str, port: int, paths: Paths, err: OSError) -> UserFacingError:
    if err.errno == errno.EADDRINUSE:
        # This copy holds the home's lock, so the HookFlo of this home is not
        # the holder; a HookFlo of another HOOKFLO_HOME may be.
        return UserFacingError(
            f"Cannot bind {host}:{port}: address in use by another program, not "
            f"by the HookFlo of {paths.home} (a HookFlo with another HOOKFLO_HOME "
            "needs its own port); stop the other program, or choose another "
            "port with --port or [receiver] port in config.toml"
        )
    return UserFacingError(f"Cannot bind {host}:{port}: {err.strerror or err}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
