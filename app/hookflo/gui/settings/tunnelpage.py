"""Settings page: the ngrok tunnel that lets Clerk reach this machine.

The authtoken goes to the keyring (``ngrok-authtoken``); whether the tunnel
opens at start and the reserved domain go to ``[tunnel]`` in
``config.toml``. A reserved domain keeps the endpoint URL the same across
restarts, so Clerk's endpoint never needs changing. While the tunnel waits
for an agent, the page offers the tray's "Download ngrok agent…".
"""

import logging
import re
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import channelsecrets, secretinput, tunnelconfig
from hookflo.core.config import Config
from hookflo.core.errors import SecretFormatError
from hookflo.gui import endpoints
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.model import SecretChange
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.widgets import Message, SecretField, StoredState

logger = logging.getLogger(__name__)

_SCHEME = re.compile(r"^[a-z]+://", re.IGNORECASE)


def tidy_domain(text: str) -> tuple[str, list[str]]:
    """Return the domain in ``text`` (a URL is cut down to its host) and notes."""
    domain = text.strip()
    notes = []
    if _SCHEME.match(domain) or domain.endswith("/"):
        domain = _SCHEME.sub("", domain).split("/", 1)[0]
        notes.append("Kept only the domain")
    return domain.lower(), notes


class TunnelPage(Page):
    """The authtoken, opening at start, and the reserved domain."""

    title = "Tunnel"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        secret = channelsecrets.NGROK_AUTHTOKEN
        override = secret.variable if context.environ.get(secret.variable) else None
        self.token_field = SecretField(
            secret.entry,
            secretinput.ngrok_authtoken,
            override=override,
            placeholder="Paste the authtoken (or the whole ngrok command)",
            parent=self,
        )
        self.enabled_check = QCheckBox("Open the tunnel when HookFlo starts", self)
        self.domain_edit = QLineEdit(self)
        self.domain_edit.setPlaceholderText("your-name.ngrok-free.app")
        self.domain_message = Message(self)
        self.state = Message(self)
        self.download_button = QPushButton("Download ngrok agent…", self)
        self.download_button.setVisible(False)
        self.download_button.clicked.connect(self._on_download_clicked)
        intro = QLabel(
            "Clerk sends webhooks over the internet; the ngrok tunnel brings them "
            "to HookFlo on this machine. Sign up at ngrok.com, copy your authtoken "
            "and, for a URL that never changes, claim your free static domain.",
            self,
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Authtoken", self.token_field)
        form.addRow("", self.enabled_check)
        form.addRow("Reserved domain", self.domain_edit)
        form.addRow("", self.domain_message)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.state)
        layout.addWidget(self.download_button)
        layout.addStretch(1)
        self.domain_edit.textChanged.connect(self._on_domain_changed)
        self._load(context.config)

    def keyring_entries(self) -> list[str]:
        """Return the authtoken's entry."""
        return [self.token_field.entry]

    def keyring_loaded(self, found: dict[str, str] | None, problem: str) -> None:
        """Say whether the authtoken is set."""
        if found is None:
            self.token_field.set_stored(StoredState.UNAVAILABLE, problem)
        elif self.token_field.entry in found:
            self.token_field.set_stored(StoredState.SET)
        else:
            self.token_field.set_stored(StoredState.UNSET)

    def contribute(self, table: dict[str, Any]) -> None:
        """Put ``[tunnel]`` into ``table``, keeping the keys not shown here."""
        tunnel = dict(table.get("tunnel", {}))
        tunnel.pop("enabled", None)
        if self.enabled_check.isChecked():
            tunnel["enabled"] = True
        domain, _ = tidy_domain(self.domain_edit.text())
        if domain:
            tunnel["domain"] = domain
        else:
            tunnel.pop("domain", None)
        if tunnel:
            table["tunnel"] = tunnel
        else:
            table.pop("tunnel", None)

    def validate(self) -> bool:
        """Check the typed authtoken."""
        try:
            self.token_field.staged()
        except SecretFormatError as err:
            self.token_field.show_error(str(err))
            return False
        return True

    def secret_changes(self) -> list[SecretChange]:
        """Return the authtoken, if typed or cleared."""
        change = self.token_field.staged()
        return [] if change is None else [change]

    def show_problem(self, key: str, message: str) -> bool:
        """Show a fault in ``[tunnel]`` by the domain."""
        if not key.startswith("tunnel"):
            return False
        self.domain_message.error(message)
        return True

    def show_secret_problem(self, entry: str, message: str) -> bool:
        """Show the keyring's refusal under the authtoken."""
        if entry != self.token_field.entry:
            return False
        self.token_field.show_error(message)
        return True

    def clear_problems(self) -> None:
        """Hide the fault of the last Save."""
        self._on_domain_changed(self.domain_edit.text())

    def saved(self, config: Config) -> None:
        """Forget the typed authtoken: it is stored now."""
        after = self.token_field.will_be_set
        if after is not None:
            self.token_field.reset(StoredState.SET if after else StoredState.UNSET)
        self._load(config)

    @Slot(str)
    def _on_domain_changed(self, text: str) -> None:
        domain, notes = tidy_domain(text)
        if not domain:
            self.domain_message.note(
                "No reserved domain: the URL changes each time the tunnel opens"
            )
        elif not tunnelconfig.DOMAIN_PATTERN.match(domain):
            self.domain_message.error("A domain name such as your-name.ngrok-free.app")
        else:
            self.domain_message.note(". ".join([*notes, f"https://{domain}"]))

    def _load(self, settings: Config) -> None:
        tunnel = settings.tunnel
        self.enabled_check.setChecked(tunnel.enabled)
        self.domain_edit.setText(tunnel.domain or "")
        self._on_domain_changed(self.domain_edit.text())
        url = endpoints.tunnel_url(self.context)
        running = self.context.tunnel
        offer = bool(
            self.context.download_agent is not None  # the tray app runs
            and running is not None
            and running.agent_installable
        )
        self.download_button.setVisible(offer)
        if url:
            self.state.success(f"The tunnel is up: {url}")
        elif offer and running is not None:
            why = (running.status.summary or "").removeprefix("not available: ")
            self.state.error(f"The tunnel is not available: {why}")
        else:
            self.state.note("The tunnel is not running")

    @Slot()
    def _on_download_clicked(self) -> None:
        if self.context.download_agent is not None:
            self.context.download_agent()  # the app asks first
