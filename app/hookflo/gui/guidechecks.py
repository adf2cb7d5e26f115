"""The first-run guide's checks: each step ticked or not, and what it says.

``GuideChecks`` shows the progress read from the store, the keyring's
answer and the tunnel's status in the steps that ``guidelayout`` built.
"""

import dataclasses
import logging
import time
from typing import TYPE_CHECKING

from hookflo.core import setupprogress
from hookflo.core.config import Environment, Source
from hookflo.core.setupprogress import SourceProgress
from hookflo.gui import endpoints
from hookflo.gui.context import AppContext
from hookflo.gui.guidelayout import GuideLayout

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class SecretState:
    """Whether the source has a signing secret, as far as known."""

    known: bool
    count: int = 0
    problem: str = ""


class GuideChecks(GuideLayout):
    """Shows each step of the first-run guide as done or not; a base class."""

    context: AppContext
    progress: SourceProgress | None
    secret_state: SecretState

    if TYPE_CHECKING:  # defined by FirstRunGuide

        @property
        def environment(self) -> Environment:
            """The Clerk instance being connected."""

        @property
        def source(self) -> Source | None:
            """The source of the chosen environment, if there is one."""

    def _show_dashboard_steps(self) -> None:
        items = "".join(
            f"<li>{text}</li>"
            for text in setupprogress.DASHBOARD_STEPS[self.environment]
        )
        self.clerk_steps.setText(f"<ol>{items}</ol>")

    def _show(self) -> None:
        source = self.source
        if source is None:
            for step in self.steps:
                step.tick(False)
            self.url_field.set_text("")
            for message in (
                self.tunnel_message,
                self.clerk_message,
                self.secret_message,
                self.refusal_message,
            ):
                message.clear_message()
            return
        progress = self.progress
        self._show_tunnel(source)
        reached = progress is not None and progress.reached
        self.clerk_step.tick(reached)
        if reached:
            self.clerk_message.success("Clerk reached HookFlo")
        else:
            self.clerk_message.note("Waiting for the first request from Clerk…")
        self._show_secret(progress)
        verified = progress.verified if progress is not None else None
        self.test_step.tick(verified is not None)
        if verified is not None:
            when = time.strftime("%H:%M:%S", time.localtime(verified.received_at))
            kind = "test " if verified.is_test else ""
            self.test_message.success(
                f"Received a verified {kind}{verified.event_type or 'event'} at "
                f"{when}. You are all set."
            )

    def _show_tunnel(self, source: Source) -> None:
        url = endpoints.tunnel_url(self.context)
        base, public = endpoints.base_url(self.context)
        self.url_field.set_text(base + source.path)
        self.tunnel_step.tick(url is not None)
        if public:
            self.tunnel_message.success(
                "The tunnel is up: paste this URL as the endpoint in Clerk"
            )
        else:
            self.tunnel_message.note(self._tunnel_wait_note())

    def _tunnel_wait_note(self) -> str:
        """Say why the tunnel is not up yet, as its own status tells."""
        tunnel = self.context.tunnel
        status = tunnel.status if tunnel is not None else None
        if status is None:
            return (
                "The tunnel is off, and Clerk cannot reach this local address: "
                "turn it on and set the ngrok authtoken under Settings → Tunnel"
            )
        if status.problem is None:
            return f"Waiting for the tunnel ({status.describe()})"
        advice = f" {status.advice}" if status.advice else ""
        return f"Clerk cannot reach this address yet ({status.describe()}).{advice}"

    def _show_secret(self, progress: SourceProgress | None) -> None:
        state = self.secret_state
        self.secret_step.tick(state.count > 0)
        if state.problem:
            self.secret_message.error(f"Cannot read the keyring: {state.problem}")
        elif not state.known:
            self.secret_message.note("Reading the keyring…")
        elif state.count == 0:
            self.secret_message.note(
                "No signing secret yet: Clerk's requests are refused until you paste it"
            )
        else:
            self.secret_message.success("The signing secret is stored")
        refused = progress.refused if progress is not None else None
        if (
            refused is not None
            and progress is not None
            and progress.refusal_outstanding
        ):
            hint = f" {refused.hint}" if refused.hint else ""
            self.refusal_message.error(
                f"A request was refused ({refused.status}, {refused.message}).{hint}"
            )
        else:
            self.refusal_message.clear_message()
