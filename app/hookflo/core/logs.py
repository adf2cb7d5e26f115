"""Logging set-up: console or JSON lines, a rotating file, and redaction.

Levels mean: error, an operation was abandoned; warning, something failed but
work goes on; ALERT, a fact the user must see (the GUI surfaces these); info,
lifecycle milestones; debug, decisions. Every handler redacts secrets: values
shaped like a signing secret, a Slack token, an ngrok authtoken or a Clerk
secret key, and every value registered with ``register_secret``.
"""

import json
import logging
import logging.handlers
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

ALERT = 25
logging.addLevelName(ALERT, "ALERT")

ROOT_LOGGER = "hookflo"
_MAX_LOG_BYTES = 5 * 1024 * 1024
_LOG_BACKUPS = 3
_CONTEXT_FIELDS = ("event", "source", "svix_id", "host", "port", "url", "reason")
_SHAPES = (
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]*"), "whsec_[redacted]"),
    (re.compile(r"xox[a-z]-[A-Za-z0-9-]+"), "xox?-[redacted]"),
    (
        re.compile(r"https://hooks\.slack\.com/(services|workflows)/[^\s\"'<>]+"),
        r"https://hooks.slack.com/\1/[redacted]",
    ),
    (re.compile(r"\b[0-9][A-Za-z0-9]{20,}_[A-Za-z0-9]{15,}\b"), "[redacted]"),
    (re.compile(r"\bsk_(live|test)_[A-Za-z0-9]+"), r"sk_\1_[redacted]"),
)
_known_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Make every log handler replace ``value`` wherever it appears."""
    value = value.strip()
    if len(value) >= 6:
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every secret-looking part replaced."""
    with _lock:
        known = sorted(_known_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, "[redacted]")
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A console/file formatter that never writes a secret."""

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then redact."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for test harnesses and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON object, redacted."""
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup(
    *,
    level: int = logging.INFO,
    json_lines: bool = False,
    log_file: Path | None = None,
    stream: TextIO | None = None,
) -> None:
    """Send HookFlo's logs to ``stream`` (stderr) and, if given, a file."""
    root = logging.getLogger(ROOT_LOGGER)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(min(level, logging.INFO))
    root.propagate = False

    console = logging.StreamHandler(stream or sys.stderr)
    console.setLevel(level)
    if json_lines:
        console.setFormatter(JsonFormatter())
    else:
        console.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    root.addHandler(console)

    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        on_disk = logging.handlers.RotatingFileHandler(
            log_file,
            maxBytes=_MAX_LOG_BYTES,
            backupCount=_LOG_BACKUPS,
            encoding="utf-8",
        )
        on_disk.setLevel(min(level, logging.INFO))
        formatter = RedactingFormatter(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        on_disk.setFormatter(formatter)
        root.addHandler(on_disk)
    _route_server_errors(root)


class _MalformedRequestFilter(logging.Filter):
    """aiohttp logs each malformed request with a traceback; keep one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.msg = "Refused a malformed HTTP request (%s)"
            record.args = (type(error).__name__,)
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.INFO
            record.levelname = logging.getLevelName(logging.INFO)
        return True


_SERVER_LOGGER = "aiohttp.server"
_server_filter = _MalformedRequestFilter()


def _route_server_errors(root: logging.Logger) -> None:
    """Send aiohttp's request errors through HookFlo's handlers, one line each."""
    server = logging.getLogger(_SERVER_LOGGER)
    for handler in list(server.handlers):
        server.removeHandler(handler)
    server.removeFilter(_server_filter)
    server.addFilter(_server_filter)
    for handler in root.handlers:
        server.addHandler(handler)
    server.propagate = False


def reset() -> None:
    """Undo ``setup``: HookFlo's loggers propagate again and hold no handler."""
    for name in (ROOT_LOGGER, _SERVER_LOGGER):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    logging.getLogger(_SERVER_LOGGER).removeFilter(_server_filter)
