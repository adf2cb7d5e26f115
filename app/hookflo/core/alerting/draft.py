"""What a describer fills in about an event, before it becomes ``EventFacts``."""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

Lookup = Callable[[str], Mapping[str, Any] | None]
"""Return the latest stored Clerk user object (``data``) for a user id, if any."""

UserLookup = Callable[[str], Mapping[str, Any]]
"""What describers get: a lookup that never raises; empty when nothing is known."""


@dataclasses.dataclass(slots=True)
class Draft:
    """The facts a describer fills in; ``describe`` adds the event's context."""

    title: str = ""
    subject: str = ""
    predicate: str = ""
    aside: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    username: str = ""
    user_id: str = ""
    external_id: str = ""
    method: str = ""
    org_name: str = ""
    role: str = ""
    object_id: str = ""
    details: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def detail(self, label: str, value: str) -> None:
        """Add a line for longer bodies, unless ``value`` is empty."""
        if value:
            self.details.append((label, value))
