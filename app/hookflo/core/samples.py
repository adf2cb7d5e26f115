"""Clerk-shaped sample events shipped with HookFlo (fake data only).

Used by ``hookflo send-test``, template previews and the routing grid. The
account changes HookFlo derives (``user.email_verified`` …) have samples
too, made from the ``user.created`` sample the way the recorder makes them.
"""

import importlib.resources
import json

from hookflo.core.derived import envelope, examples, kinds

_PACKAGE = "hookflo.samples"


def event_types() -> list[str]:
    """Return the event types there is a sample for, sorted."""
    names = importlib.resources.files(_PACKAGE).iterdir()
    shipped = {
        entry.name.removesuffix(".json")
        for entry in names
        if entry.name.endswith(".json")
    }
    return sorted(shipped | set(kinds.EVENT_TYPES))


def sample_body(event_type: str) -> bytes:
    """Return the sample body of ``event_type`` exactly as stored on disk.

    Raises:
        KeyError: there is no sample of that type.
    """
    if kinds.is_derived_type(event_type):
        signup = json.loads(sample_body("user.created"))
        derived = examples.payload(kinds.Kind(event_type), signup)
        return envelope.encode(derived)
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
