"""Read values out of untrusted JSON without ever raising or printing ``None``.

Webhook bodies are signed but not trusted to have any particular shape: a
field may be missing, null, of another type or padded with spaces. These
helpers turn whatever is there into a clean string, a mapping or a list of
mappings, and an empty one when there is nothing usable.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

EMPTY: Mapping[str, Any] = {}

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def text(value: object) -> str:
    """Return ``value`` as one line of text with spaces collapsed, else ``""``.

    Only strings and numbers count; ``None``, booleans, lists and objects are
    not text a person wants to read.
    """
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return " ".join(value.split())
    return ""


def mapping(value: object) -> Mapping[str, Any]:
    """Return ``value`` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, Mapping) else EMPTY


def loads_mapping(body: bytes | str) -> Mapping[str, Any]:
    """Return the JSON object ``body`` holds, else an empty mapping."""
    try:
        return mapping(json.loads(body))
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError)
        return EMPTY


def records(value: object) -> list[Mapping[str, Any]]:
    """Return the JSON objects in the list ``value``; others are skipped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def find(items: list[Mapping[str, Any]], item_id: object) -> Mapping[str, Any]:
    """Return the record whose ``id`` is ``item_id``, or an empty mapping."""
    if not isinstance(item_id, str) or not item_id:
        return EMPTY
    for item in items:
        if item.get("id") == item_id:
            return item
    return EMPTY


def words(identifier: str) -> str:
    """Return a code-style name as lower-case words.

    ``organizationDomain`` → ``organization domain``;
    ``verification_code`` → ``verification code``.
    """
    spaced = _CAMEL_HUMP.sub(" ", identifier).replace("_", " ").replace("-", " ")
    return " ".join(spaced.split()).lower()


def sentence_case(phrase: str) -> str:
    """Return ``phrase`` with its first letter in upper case."""
    return phrase[:1].upper() + phrase[1:]
