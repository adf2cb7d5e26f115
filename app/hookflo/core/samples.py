"""Clerk-shaped sample events shipped with HookFlo (fake data only).

Used by ``hookflo send-test`` and, later, by template previews.
"""

import importlib.resources
import json

_PACKAGE = "hookflo.samples"


def event_types() -> list[str]:
    """Return the event types there is a sample for, sorted."""
    names = importlib.resources.files(_PACKAGE).iterdir()
    return sorted(
        entry.name.removesuffix(".json")
        for entry in names
        if entry.name.endswith(".json")
    )


def sample_body(event_type: str) -> bytes:
    """Return the sample body of ``event_type`` exactly as stored on disk.

    Raises:
        KeyError: there is no sample of that type.
    """
    resource = importlib.resources.files(_PACKAGE) / f"{event_type}.json"
    if not resource.is_file():
        raise KeyError(event_type)
    return resource.read_bytes()


def sample_payload(event_type: str) -> object:
    """Return the parsed sample of ``event_type``.

    Raises:
        KeyError: there is no sample of that type.
    """
    return json.loads(sample_body(event_type))
