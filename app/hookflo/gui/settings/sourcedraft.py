"""A source on the Sources page as edited, and the TOML table it saves as."""

import dataclasses
import logging

from hookflo.core import config
from hookflo.core.config import Environment
from hookflo.gui.settings.clerkkeybox import ClerkKeyDraft

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class SourceDraft:
    """A source as edited, and its signing secrets as staged.

    Attributes:
        secrets: the stored secrets, oldest first; None until the keyring
            was read (or when it cannot be).
        saved_name: the name it is saved under; None for a new source.
    """

    name: str
    environment: Environment
    path: str
    saved_name: str | None
    secrets: list[str] | None = None
    secrets_changed: bool = False
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    clerk_api_url: str = config.DEFAULT_CLERK_API_URL
    clerk_key: ClerkKeyDraft = dataclasses.field(default_factory=ClerkKeyDraft)


def source_table(draft: SourceDraft) -> dict[str, str]:
    """Return the ``[sources.<name>]`` table of ``draft``."""
    table = {"environment": draft.environment.value, "path": draft.path}
    if draft.clerk_api_url != config.DEFAULT_CLERK_API_URL:
        table["clerk_api_url"] = draft.clerk_api_url
    return table
