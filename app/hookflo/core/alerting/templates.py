"""Render alerts through sandboxed Jinja templates: defaults, and the user's own.

Layout. HookFlo ships its templates in ``hookflo/templates``, one folder per
channel; the user's overrides live in the same layout under the override
folder (``<config dir>/templates``)::

    desktop/ slack/ email/
        _base.j2          the layout the others extend
        <type>.j2         one event type, e.g. ``user.created.j2``
        <family>.j2       every event of a family, e.g. ``session.j2``
        generic.j2        any other event
        summary.j2        a burst of events in one message
        digest.j2         the daily or weekly digest (see ``digest.compose``)

For an event the first of ``<type>.j2``, ``<family>.j2`` and ``generic.j2``
that exists is used, an override before a shipped file of the same name.

Parts. Each part of a message is a block of that name: desktop ``title``
and ``body``; slack ``text`` (the plain fallback) and ``mrkdwn``; email
``subject``, ``text``, ``html``, ``reply_to_name`` and ``reply_to_address``.
An override may:

- extend a shipped template and replace some blocks, e.g.
  ``{% extends "default/email/user.created.j2" %}`` then
  ``{% block subject %}New signup: {{ name }}{% endblock %}``
  (``default/`` always names the shipped file);
- define only the blocks it changes: the other parts come from the default;
- have no blocks at all: its text becomes the message body (desktop body,
  Slack text and mrkdwn, email text and HTML).

An override of ``_base.j2`` restyles every default of its channel.

Variables. Every ``EventFacts`` field (``name``, ``email``, ``method``,
``environment``, ``details``, ``data`` …) plus ``headline`` (the event as a
sentence), ``heading`` (the title, marked TEST for test and development
events), ``test`` and ``received``. A summary has ``heading``, ``title``,
``count``, ``events``, ``shown`` (those the channel lists), ``names``,
``more``, ``short_names``, ``short_more``, ``groups`` (each kind counted,
most important first: ``burst.Group``), ``event_type`` and ``environment``.

Values are escaped for the part they land in (``escaping.PART_ESCAPERS``);
text written in the template is kept, so ``*New signup*`` in Slack and
``<b>`` in email HTML work (``|safe`` turns escaping off for one value). A
missing field prints nothing, never ``None``. Whatever a template says, the
heading part (desktop title, Slack text, email subject) of a test or
development event starts with "TEST", and no part keeps control characters,
bidi overrides, runs of spaces or line breaks in one-line parts.

A broken override (a syntax error, a failing expression, anything the sandbox
refuses) is not used: the default renders instead, and ``Rendered.problem``
names the file and the error.
"""

import dataclasses
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hookflo.core.alerting import burst, escaping, jinjaenv
from hookflo.core.alerting.describe import EventFacts
from hookflo.core.channels.base import ChannelName

logger = logging.getLogger(__name__)

HEADING_PARTS = {
    ChannelName.DESKTOP: "title",
    ChannelName.SLACK: "text",
    ChannelName.EMAIL: "subject",
}
"""The part that says what the message is about; it is never empty."""

BODY_PARTS = {
    ChannelName.DESKTOP: ("body",),
    ChannelName.SLACK: ("text", "mrkdwn"),
    ChannelName.EMAIL: ("text", "html"),
}
"""Where the text of a template without blocks goes."""

_ONE_LINE_PARTS = frozenset({"title", "subject", "reply_to_name", "reply_to_address"})
_REPLY_PARTS = ("reply_to_name", "reply_to_address")
_RESERVED = frozenset({"generic", "summary", "digest"})
_ADDRESS = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$"
)
_PROBLEM_LIMIT = 300


@dataclasses.dataclass(frozen=True, slots=True)
class Rendered:
    """The parts of one message, and what went wrong with the user's template.

    Attributes:
        parts: the escaped parts for the channel, keyed as ``Alert.parts``;
            ``reply_to_*`` only when there is a usable address.
        problem: one sentence naming the broken override and its error when
            the default was used instead; None when all went as written.
    """

    parts: dict[str, str]
    problem: str | None = None


class _BrokenTemplateError(Exception):
    """A template could not be rendered; the message says which and why."""


class Renderer:
    """Renders events for each channel; thread-safe, templates are cached.

    Args:
        override_dir: the folder of the user's templates; None for the
            defaults only. It need not exist; files added later are seen.
    """

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        self._shipped = jinjaenv.shipped()
        self._custom: ImmutableSandboxedEnvironment | None = None
        if override_dir is not None:
            self._custom = jinjaenv.with_overrides(override_dir)

    def render(self, channel: ChannelName, facts: EventFacts) -> Rendered:
        """Render one event for ``channel``; never raises."""
        context = _event_context(facts)
        names = _candidates(channel, facts)
        return self._render(channel, names, context, facts.headline)

    def render_summary(
        self,
        channel: ChannelName,
        facts_list: Sequence[EventFacts],
        kinds: Sequence[burst.Kind] | None = None,
    ) -> Rendered:
        """Render a burst of events as one message for ``channel``.

        ``kinds`` spares reading every event of a long ``facts_list`` (see
        ``burst.context``).

        Raises:
            ValueError: ``facts_list`` is empty.
        """
        context = burst.context(channel, facts_list, kinds)
        names = [f"{channel}/summary{jinjaenv.SUFFIX}"]
        return self._render(channel, names, context, burst.sentence(context))

    def render_digest(
        self, channel: ChannelName, context: Mapping[str, Any]
    ) -> Rendered:
        """Render a digest for ``channel``; ``context`` has its variables.

        It needs at least ``heading`` and ``headline``; the rest is what
        ``hookflo.core.digest.compose`` documents.
        """
        names = [f"{channel}/digest{jinjaenv.SUFFIX}"]
        values = {"test": False, **context}
        return self._render(channel, names, values, str(context["headline"]))

    def _render(
        self,
        channel: ChannelName,
        names: list[str],
        context: dict[str, Any],
        sentence: str,
    ) -> Rendered:
        problem = None
        if self._custom is not None:
            try:
                raw = _parts(self._custom, channel, names, context)
            except _BrokenTemplateError as err:
                problem = f"{err}; used the default"
                logger.warning("%s", problem)
            else:
                return Rendered(_finish(channel, raw, context), None)
        try:
            raw = _parts(self._shipped, channel, names, context)
        except _BrokenTemplateError as err:
            plain = f"{err}; sent plain words instead (a HookFlo bug)"
            logger.error("%s", plain)
            problem = problem or plain
            raw = _plain(channel, context["heading"], sentence)
        return Rendered(_finish(channel, raw, context), problem)


def _event_context(facts: EventFacts) -> dict[str, Any]:
    context = {f.name: getattr(facts, f.name) for f in dataclasses.fields(facts)}
    context.update(
        headline=facts.headline,
        heading=burst.heading(facts.title, marked_test=facts.marked_test),
        test=facts.marked_test,
        received=facts.received,
    )
    return context


def _candidates(channel: ChannelName, facts: EventFacts) -> list[str]:
    names = []
    for name in (facts.event_type, facts.family):
        if jinjaenv.TYPE_NAME.match(name) and name not in _RESERVED:
            names.append(f"{channel}/{name}{jinjaenv.SUFFIX}")
    names.append(f"{channel}/generic{jinjaenv.SUFFIX}")
    return list(dict.fromkeys(names))


def _parts(
    env: ImmutableSandboxedEnvironment,
    channel: ChannelName,
    names: list[str],
    context: dict[str, Any],
) -> dict[str, str]:
    """Render every part from the first of ``names``, the default filling gaps.

    Raises:
        _BrokenTemplateError: a template failed to load or render.
    """
    try:
        try:
            template = env.select_template(names)
            parts = _render_template(template, channel, context)
            missing = [p for p in escaping.PART_ESCAPERS[channel] if p not in parts]
            if missing:
                default = env.select_template([f"default/{n}" for n in names])
                parts.update(_render_template(default, channel, context, missing))
        except Exception:
            env.handle_exception()  # re-raises with the template's own lines
    except Exception as err:
        raise _BrokenTemplateError(_describe_failure(err)) from err
    return parts


def _render_template(
    template: jinja2.Template,
    channel: ChannelName,
    context: dict[str, Any],
    wanted: Sequence[str] | None = None,
) -> dict[str, str]:
    escapers = escaping.PART_ESCAPERS[channel]
    wanted = list(escapers) if wanted is None else wanted
    run = template.new_context(dict(context))
    # Running the whole template registers the blocks it inherits.
    with jinjaenv.escaping_as(escaping.plain):
        "".join(template.root_render_func(run))
    if not any(part in run.blocks for part in escapers):
        return {
            part: _render_whole(template, context, escapers[part])
            for part in BODY_PARTS[channel]
            if part in wanted
        }
    parts = {}
    for part in wanted:
        if part in run.blocks:
            with jinjaenv.escaping_as(escapers[part]):
                parts[part] = "".join(run.blocks[part][0](run))
    return parts


def _render_whole(
    template: jinja2.Template, context: dict[str, Any], escaper: escaping.Escaper
) -> str:
    with jinjaenv.escaping_as(escaper):
        return "".join(template.root_render_func(template.new_context(dict(context))))


def _describe_failure(err: Exception) -> str:
    name, line = _where(err)
    if isinstance(err, jinja2.TemplateSyntaxError):
        detail = err.message or "syntax error"
    elif isinstance(err, jinja2.TemplateNotFound):
        detail = f"no template named {err.name!r}"
    elif isinstance(err, jinja2.TemplateError):
        detail = err.message or type(err).__name__
    else:
        detail = f"{type(err).__name__}: {err}"
    detail = " ".join(detail.split()).rstrip(".")
    at = f" at line {line}" if line else ""
    text = f"The template {name or 'in use'} failed{at} ({detail})"
    return escaping.header(text)[:_PROBLEM_LIMIT]


def _where(err: Exception) -> tuple[str, int | None]:
    """Return the template file that failed, and the line, as well as known."""
    if isinstance(err, jinja2.TemplateSyntaxError):
        return err.name or err.filename or "", err.lineno
    found: tuple[str, int | None] = ("", None)
    trace = err.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(jinjaenv.SUFFIX):
            found = ("/".join(Path(filename).parts[-2:]), trace.tb_lineno)
        trace = trace.tb_next
    return found


def _plain(channel: ChannelName, heading: str, sentence: str) -> dict[str, str]:
    """Return the parts in plain words, when even the shipped template failed."""
    escapers = escaping.PART_ESCAPERS[channel]
    texts = {
        "title": heading,
        "body": sentence,
        "text": f"{heading}: {sentence}",
        "mrkdwn": sentence,
        "subject": heading,
        "html": sentence,
    }
    return {part: escapers[part](texts[part]) for part in escapers if part in texts}


def _finish(
    channel: ChannelName, raw: Mapping[str, str], context: Mapping[str, Any]
) -> dict[str, str]:
    """Tidy the rendered parts and enforce what every message must have."""
    escapers = escaping.PART_ESCAPERS[channel]
    parts = {p: _tidy(raw.get(p, ""), one_line=p in _ONE_LINE_PARTS) for p in escapers}
    heading_part = HEADING_PARTS[channel]
    if not parts[heading_part]:
        parts[heading_part] = escapers[heading_part](context["heading"])
    if context["test"] and not parts[heading_part].startswith("TEST"):
        parts[heading_part] = burst.TEST_MARK + parts[heading_part]
    if channel is ChannelName.SLACK and not parts["mrkdwn"]:
        parts["mrkdwn"] = parts["text"]
    if channel is ChannelName.EMAIL:
        _keep_usable_reply_to(parts)
    return parts


def _keep_usable_reply_to(parts: dict[str, str]) -> None:
    address = parts.get("reply_to_address", "")
    if not _ADDRESS.match(address):
        for part in _REPLY_PARTS:
            parts.pop(part, None)
    elif not parts.get("reply_to_name") or parts["reply_to_name"] == address:
        parts.pop("reply_to_name", None)


def _tidy(text: str, *, one_line: bool) -> str:
    """Collapse runs of spaces and blank lines; drop invisible controls."""
    text = escaping.clean(text, multiline=not one_line)
    if one_line:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
