"""Read the shared failure cases (tests/cases/*.json) and resolve placeholders."""

import json
import re
import time
from pathlib import Path
from typing import Any

from tests.support.clerk import svix_signature

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
_NOW = re.compile(r"^\$\{NOW(?:([-+*])(\d+))?\}$")


def load_case(case_id: str) -> dict[str, Any]:
    """Return the parsed input of a shared case."""
    return json.loads((CASES_DIR / f"{case_id}.json").read_text(encoding="utf-8"))


def resolve_time(value: str, now: int | None = None) -> str:
    """Resolve ``${NOW}``, ``${NOW-600}``, ``${NOW*1000}``; leave others alone."""
    now = int(time.time()) if now is None else now
    match = _NOW.match(value)
    if not match:
        return value
    op, number = match.groups()
    if op is None:
        return str(now)
    n = int(number)
    return str({"-": now - n, "+": now + n, "*": now * n}[op])


def signature_for(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Return ``${SIG}`` for a request: the svix signature over what is sent."""
    return svix_signature(secret, msg_id, int(timestamp), body)


def request_headers(request: dict[str, Any], now: int | None = None) -> dict[str, str]:
    """Return a case request's headers with ``${NOW}`` and ``${SIG}`` resolved."""
    body = request["body"].encode("utf-8")
    headers = {k: resolve_time(v, now) for k, v in request["headers"].items()}
    sign = request.get("sign")
    for name, value in headers.items():
        if value == "${SIG}" and sign:
            stamp = next(v for k, v in headers.items() if k.endswith("-timestamp"))
            headers[name] = signature_for(sign["secret"], sign["msg_id"], stamp, body)
    return headers
