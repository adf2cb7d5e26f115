"""The tray's "Download ngrok agent…": ask first, then download, then start.

HookFlo never fetches the agent at start-up; when the tunnel waits for one
(``Tunnel.agent_installable``), the menu offers it. The question says what
comes from where, about how big, and where it goes; the download itself is
the core's (``Tunnel.install_agent``), off the UI thread, its progress in
the menu and the status line, and the tunnel starts when it is done.
"""

import logging
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from hookflo.core.tunnel import download
from hookflo.core.tunnel.supervisor import Tunnel

logger = logging.getLogger(__name__)

TITLE = "HookFlo — Download ngrok agent?"


def offer(tunnel: Tunnel | None) -> tuple[str, bool]:
    """Return the download's progress ("" if none runs) and whether to offer it."""
    if tunnel is None:
        return "", False
    return tunnel.status.download_progress(), tunnel.agent_installable


def ask(
    parent: QWidget | None,
    tunnel: Tunnel,
    *,
    data_dir: Path,
    answered: Callable[[bool], None],
) -> QMessageBox:
    """Open the question (not modal to the app); ``answered(True)`` on yes."""
    question = QMessageBox(parent)
    question.setObjectName("download-agent-question")
    question.setWindowTitle(TITLE)
    question.setIcon(QMessageBox.Icon.Question)
    question.setText("Download the ngrok agent?")
    question.setInformativeText(
        "The tunnel that lets Clerk reach this machine needs ngrok's agent, and "
        f"none is installed. HookFlo can download it (about {download.ABOUT_MB} "
        f"MB) from {_source(tunnel)} and keep it at "
        f"{download.agent_path(data_dir)}, then start the tunnel. Nothing is "
        "downloaded unless you say so."
    )
    yes = question.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
    question.addButton("Not now", QMessageBox.ButtonRole.RejectRole)

    def finished(_result: int) -> None:
        agreed = question.clickedButton() is yes
        logger.debug("Download the ngrok agent? %s", "yes" if agreed else "no")
        question.deleteLater()
        answered(agreed)

    question.finished.connect(finished)
    question.open()
    return question


def _source(tunnel: Tunnel) -> str:
    configured = tunnel.settings.download_url
    try:
        url = download.source_url(configured)
    except download.DownloadError:
        return "ngrok"  # none for this platform: the download will say so
    host = urllib.parse.urlsplit(url).hostname or url
    return f"{host} ([tunnel] download_url)" if configured else f"ngrok's {host}"
