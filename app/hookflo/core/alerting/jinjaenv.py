"""The sandboxed Jinja environment alerts render in, and where templates come from.

Values are escaped by ``finalize`` with the escaper of the part being
rendered (set with ``escaping_as``), so one template can hold parts that need
different escaping, such as an email's subject and its HTML. Missing values
print nothing; what the sandbox refuses raises, so the template counts as
broken. The loaders put the user's override folder before the shipped
templates and give every shipped template a second name under ``default/``.
"""

import contextlib
import contextvars
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.nodes import EvalContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from hookflo.core.alerting import escaping
from hookflo.core.channels.base import ChannelName

SUFFIX = ".j2"
TYPE_NAME = re.compile(
    r"^[A-Za-z][A-Za-z0-9_]{0,60}(\.[A-Za-z][A-Za-z0-9_]{0,60}){0,3}$"
)
"""What an event type must look like to be used in a template's file name."""

_escaper: contextvars.ContextVar[escaping.Escaper] = contextvars.ContextVar(
    "escaper", default=escaping.plain
)


def sandbox(loader: jinja2.BaseLoader) -> ImmutableSandboxedEnvironment:
    """Return the environment every alert template renders in."""
    return ImmutableSandboxedEnvironment(
        loader=loader,
        autoescape=True,
        finalize=_finalize,
        undefined=_Blank,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )


def shipped() -> ImmutableSandboxedEnvironment:
    """Return an environment with HookFlo's own templates only."""
    package = jinja2.PackageLoader("hookflo", "templates")
    defaults = jinja2.PrefixLoader({"default": _DefaultLoader(package)})
    return sandbox(jinja2.ChoiceLoader([defaults, package]))


def with_overrides(override_dir: Path) -> ImmutableSandboxedEnvironment:
    """Return an environment where the user's templates come first."""
    package = jinja2.PackageLoader("hookflo", "templates")
    defaults = jinja2.PrefixLoader({"default": _DefaultLoader(package)})
    overrides = _OverrideLoader(override_dir, package)
    return sandbox(jinja2.ChoiceLoader([defaults, overrides]))


@contextlib.contextmanager
def escaping_as(escaper: escaping.Escaper) -> Iterator[None]:
    """Escape values with ``escaper`` while rendering in this block."""
    token = _escaper.set(escaper)
    try:
        yield
    finally:
        _escaper.reset(token)


class _DefaultLoader(jinja2.BaseLoader):
    """The shipped template used for a name, under ``default/``.

    ``default/slack/session.created.j2`` is the shipped file of that name if
    there is one, else the one HookFlo would use for that type: the family's
    (``slack/session.j2``), else ``slack/generic.j2``.
    """

    def __init__(self, shipped: jinja2.BaseLoader) -> None:
        self._shipped = shipped

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        for name in _fallbacks(template):
            try:
                return self._shipped.get_source(environment, name)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)


class _OverrideLoader(jinja2.BaseLoader):
    """The user's file when there is one, else the shipped one.

    A shipped template counts as out of date once a user file of the same
    name appears, so overrides added while HookFlo runs are picked up.
    """

    def __init__(self, override_dir: Path, shipped: jinja2.BaseLoader) -> None:
        self._user = jinja2.FileSystemLoader(override_dir)
        self._shipped = shipped
        self._dir = override_dir

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        try:
            return self._user.get_source(environment, template)
        except jinja2.TemplateNotFound:
            pass
        source, filename, uptodate = self._shipped.get_source(environment, template)
        user_file = self._dir.joinpath(*template.split("/"))

        def still_shipped() -> bool:
            return (uptodate is None or uptodate()) and not user_file.is_file()

        return source, filename, still_shipped


class _Blank(jinja2.ChainableUndefined):
    """A missing value: prints nothing, and chains, so ``data.a.b`` is empty.

    What the sandbox refused is not missing: using it raises the sandbox's
    SecurityError, so the template counts as broken.
    """

    __slots__ = ()

    def _refuse(self) -> None:
        if issubclass(self._undefined_exception, jinja2.exceptions.SecurityError):
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._refuse()
        return ""

    def __getattr__(self, name: str) -> "_Blank":
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        self._refuse()
        return self

    def __getitem__(self, _name: str) -> "_Blank":  # type: ignore[override]
        self._refuse()
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> "_Blank":  # type: ignore[override]
        self._refuse()
        return self

    def __iter__(self) -> Iterator[Any]:
        self._refuse()
        return iter(())

    def __bool__(self) -> bool:
        self._refuse()
        return False


@jinja2.pass_eval_context
def _finalize(_: EvalContext, value: object) -> Markup:
    """Escape a substituted value for the part being rendered.

    Markup is output the template already escaped (``super()``, macros).
    Taking the context also keeps Jinja from folding constants at compile
    time, before the part, and so the escaper, is known.
    """
    if isinstance(value, Markup):
        return value
    return Markup(_escaper.get()(_as_text(value)))


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, jinja2.Undefined):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(item) for item in value if item is not None)
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False, default=str)
    return str(value)


def _fallbacks(template: str) -> list[str]:
    channel, _, file_name = template.partition("/")
    event_type = file_name.removesuffix(SUFFIX)
    if channel not in set(ChannelName) or not TYPE_NAME.match(event_type):
        return [template]
    family = event_type.partition(".")[0]
    names = [template, f"{channel}/{family}{SUFFIX}", f"{channel}/generic{SUFFIX}"]
    return list(dict.fromkeys(names))
