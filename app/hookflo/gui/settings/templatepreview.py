"""Edit alert templates safely: the default to start from, a preview, saving.

Qt-free. A preview renders the text being edited from a sample event without
saving it: the user's other templates and the draft are copied to a
temporary folder that a fresh ``Renderer`` reads, so what the preview shows
is what the dispatcher would send. The file layout is described in
``hookflo.core.alerting.templates``.
"""

import contextlib
import dataclasses
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jinja2

from hookflo.core import samples
from hookflo.core.alerting import jinjaenv
from hookflo.core.alerting.describe import EventFacts, describe
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName

logger = logging.getLogger(__name__)

LAYOUT = "_base"
GENERIC = "generic"
SUMMARY = "summary"
SPECIAL = {
    LAYOUT: "Layout of every message",
    GENERIC: "Any event without a template of its own",
    SUMMARY: "A burst of events in one message",
}
"""The templates that are not about one event type, and what they do."""

_PREVIEW_TYPES = {LAYOUT: "user.created", GENERIC: "role.created"}
_SUMMARY_TYPES = ("user.created", "user.created", "organization.created")
_TEMPLATES_LOGGER = "hookflo.core.alerting.templates"


@dataclasses.dataclass(frozen=True, slots=True)
class Preview:
    """The parts a template gives for a sample event, or why it cannot."""

    parts: dict[str, str]
    problem: str | None = None


def template_names() -> list[str]:
    """Return every template that can be edited: the special ones, then types."""
    return [*SPECIAL, *samples.event_types()]


def override_file(template_dir: Path, channel: ChannelName, name: str) -> Path:
    """Return where the user's version of ``name`` for ``channel`` lives."""
    return template_dir / channel.value / f"{name}{jinjaenv.SUFFIX}"


def current_text(template_dir: Path, channel: ChannelName, name: str) -> str:
    """Return the user's version if there is one, else the shipped default."""
    user_file = override_file(template_dir, channel, name)
    try:
        return user_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default_text(channel, name)


def default_text(channel: ChannelName, name: str) -> str:
    """Return the text of the shipped template HookFlo uses for ``name``."""
    environment = jinjaenv.shipped()
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(
        environment, f"default/{channel.value}/{name}{jinjaenv.SUFFIX}"
    )
    return source


def preview(template_dir: Path, channel: ChannelName, name: str, text: str) -> Preview:
    """Render ``text`` as the user's ``name`` template from a sample event."""
    try:
        jinjaenv.sandbox(jinja2.DictLoader({})).parse(text)
    except jinja2.TemplateSyntaxError as err:
        return Preview({}, f"Line {err.lineno}: {err.message}")
    with tempfile.TemporaryDirectory(prefix="hookflo-preview-") as folder:
        drafts = Path(folder)
        if template_dir.is_dir():
            shutil.copytree(template_dir, drafts, dirs_exist_ok=True)
        target = override_file(drafts, channel, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        renderer = Renderer(drafts)
        with _quiet_in_this_thread(_TEMPLATES_LOGGER):
            if name == SUMMARY:
                facts = [_sample(t, i) for i, t in enumerate(_SUMMARY_TYPES, 1)]
                rendered = renderer.render_summary(channel, facts)
            else:
                rendered = renderer.render(channel, _sample(_preview_type(name), 1))
    problem = rendered.problem
    if problem is not None:
        problem = problem.replace(folder, "").removesuffix("; used the default")
    return Preview(rendered.parts, problem)


def save(template_dir: Path, channel: ChannelName, name: str, text: str) -> Path:
    """Write ``text`` as the user's ``name`` template, atomically.

    Raises:
        OSError: the file cannot be written.
    """
    target = override_file(template_dir, channel, name)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=".draft-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    logger.info("Saved the %s template %s", channel, name)
    return target


def reset(template_dir: Path, channel: ChannelName, name: str) -> bool:
    """Delete the user's version of ``name``; return False if there was none."""
    try:
        override_file(template_dir, channel, name).unlink()
    except FileNotFoundError:
        return False
    logger.info("Reset the %s template %s to the default", channel, name)
    return True


def _preview_type(name: str) -> str:
    return _PREVIEW_TYPES.get(name, name)


def _sample(event_type: str, event_id: int) -> EventFacts:
    return describe(
        event_type,
        samples.sample_payload(event_type),
        environment="production",
        is_test=False,
        source="clerk",
        event_id=event_id,
        received_at=time.time(),
    )


@contextlib.contextmanager
def _quiet_in_this_thread(name: str) -> Iterator[None]:
    """Drop ``name``'s records logged by this thread only.

    A draft is expected to break while it is typed; the dispatcher's own
    warnings, from its threads, must still go through.
    """
    me = threading.get_ident()

    def keep(record: logging.LogRecord) -> bool:
        return record.thread != me

    target = logging.getLogger(name)
    target.addFilter(keep)
    try:
        yield
    finally:
        target.removeFilter(keep)
