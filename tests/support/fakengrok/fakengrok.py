#!/usr/bin/env python3
"""A stand-in for the ngrok v3 agent, for HookFlo's tests (standard library only).

It speaks what pyngrok expects of the real agent: ``--version``, ``config
add-authtoken``, and ``start --none --log stdout [--config F] [--authtoken T]
[--region R]``, which prints logfmt lines (``t=… lvl=… msg="…"``), serves the
local API (``/api/endpoints`` and ``/api/tunnels``) on 127.0.0.1, and for each
endpoint runs a forwarding proxy on 127.0.0.1 that plays the public side. It
never opens a socket anywhere else.

Knobs are environment variables ``FAKE_NGROK_<NAME>``; a JSON object in the
file named by ``FAKE_NGROK_CONTROL`` (keys: the names in lower case) overrides
them and is re-read while the agent runs, so a test can change a live agent:

- ``RECORD``: JSON-lines file of what happened: argv, the names (never the
  values) of the environment variables, endpoints, printed error lines.
- ``REQUIRE_AUTHTOKEN``: ``0`` to start without an authtoken (default ``1``).
- ``REVOKED_TOKENS``: comma-separated well-formed tokens ngrok calls revoked.
- ``ACCOUNT_DIR`` and ``MAX_SESSIONS`` (default 1): live sessions register
  there; one too many is refused with ERR_NGROK_108, as ngrok's free plan does.
- ``RESERVED_DOMAINS``: domains reserved for the account (others get
  ERR_NGROK_320); unset means any. ``ONLINE_DOMAINS``: domains already served
  by another session (ERR_NGROK_334).
- ``PUBLIC_URL``: the public URL of an endpoint without a domain; default is
  the proxy's own ``http://127.0.0.1:<port>``; ``PUBLIC=random`` gives an
  unreachable ``https://<hex>-198-51-100-7.ngrok-free.app``.
- ``FAIL_LINES``: a JSON list of lines to print instead of starting a
  session, then exit with ``FAIL_EXIT`` (default 1).
- ``STARTUP_DELAY``: seconds before the session is established.
- ``CRASH_AFTER``: seconds after the session started to die (exit 2);
  ``CRASH_TIMES`` limits how many runs crash (counted in the record).
- ``OFFLINE`` (usually set in the control file): no session: the public side
  answers ERR_NGROK_3200 and ``OFFLINE_LINES`` (a JSON list) are printed one
  by one, every ``OFFLINE_EVERY`` seconds. At start, the session waits until
  it clears.
- ``API_HANG``: the local API accepts connections and never answers.
"""

import atexit
import contextlib
import hashlib
import http.client
import http.server
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, ClassVar

VERSION = "3.99.0-fake"
TOKEN_SHAPE_MIN = 20
_lock = threading.Lock()
_endpoints: dict[str, dict[str, Any]] = {}
_proxies: dict[str, http.server.ThreadingHTTPServer] = {}

SESSION_LIMIT_LINES = (
    'lvl=eror msg="failed to reconnect session" obj=tunnels.session '
    'err="authentication failed: Your account is limited to 1 simultaneous '
    'ngrok agent sessions.\\r\\n\\r\\nERR_NGROK_108\\r\\n"',
    'lvl=crit msg="command failed" err="authentication failed: Your account is '
    'limited to 1 simultaneous ngrok agent sessions."',
)
MISSING_TOKEN_LINES = (
    'lvl=eror msg="failed to reconnect session" obj=tunnels.session '
    'err="authentication failed: Usage of ngrok requires a verified account and '
    'authtoken.\\r\\n\\r\\nERR_NGROK_4018\\r\\n"',
    'lvl=crit msg="command failed" err="authentication failed"',
)
MALFORMED_TOKEN_LINES = (
    'lvl=eror msg="failed to reconnect session" obj=tunnels.session '
    'err="authentication failed: The authtoken you specified does not look like '
    'a proper ngrok authtoken.\\r\\n\\r\\nERR_NGROK_105\\r\\n"',
    'lvl=crit msg="command failed" err="authentication failed"',
)
REVOKED_TOKEN_LINES = (
    'lvl=eror msg="failed to reconnect session" obj=tunnels.session '
    'err="authentication failed: The authtoken you specified is properly formed, '
    'but it is invalid (it was reset or revoked)\\r\\n\\r\\nERR_NGROK_107\\r\\n"',
    'lvl=crit msg="command failed" err="authentication failed"',
)
DEFAULT_OFFLINE_LINES = (
    'lvl=eror msg="failed to reconnect session" obj=tunnels.session '
    'err="dial tcp: lookup connect.ngrok-agent.com: no such host"',
)


def knob(name: str, default: str = "") -> str:
    """Return a knob: the control file first, then the environment."""
    control = os.environ.get("FAKE_NGROK_CONTROL")
    if control:
        with contextlib.suppress(OSError, ValueError):
            values = json.loads(Path(control).read_text(encoding="utf-8"))
            if name.lower() in values:
                value = values[name.lower()]
                return value if isinstance(value, str) else json.dumps(value)
    return os.environ.get(f"FAKE_NGROK_{name}", default)


def flag(name: str) -> bool:
    return knob(name).strip().lower() in {"1", "true", "yes"}


def words(name: str) -> list[str]:
    return [w.strip() for w in knob(name).split(",") if w.strip()]


def record(entry: dict[str, Any]) -> None:
    target = knob("RECORD")
    if not target:
        return
    entry = {"pid": os.getpid(), "at": round(time.time(), 3), **entry}
    with _lock, open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def recorded(event: str) -> list[dict[str, Any]]:
    target = knob("RECORD")
    if not target or not os.path.exists(target):
        return []
    with open(target, encoding="utf-8") as lines:
        entries = [json.loads(line) for line in lines if line.strip()]
    return [e for e in entries if e.get("event") == event]


def emit(line: str) -> None:
    """Print one log line the way ngrok does (logfmt, time first)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
    if not line.startswith("t="):
        line = f"t={stamp} {line}"
    if " lvl=eror " in line or " lvl=crit " in line:
        record({"event": "printed", "line": line})
    try:
        print(line, flush=True)
    except BrokenPipeError:
        os._exit(3)  # nobody reads our log any more


def info(msg: str, **fields: str) -> None:
    extra = "".join(f" {k}={quote(v)}" for k, v in fields.items())
    emit(f'lvl=info msg="{msg}"{extra}')


def quote(value: str) -> str:
    if value and not any(c in value for c in ' "='):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


# -- the command line ------------------------------------------------------


def main(argv: list[str]) -> int:
    record(
        {
            "event": "run",
            "argv": argv,
            "env_keys": sorted(os.environ),
            "executable": sys.argv[0],
        }
    )
    if "--version" in argv or argv[:1] == ["version"]:
        print(f"ngrok version {VERSION}", flush=True)
        return 0
    if argv[:2] == ["config", "add-authtoken"]:
        return add_authtoken(argv[2:])
    if argv[:1] == ["start"]:
        return start(argv[1:])
    print(f"ERROR:  unknown command {argv[:1]}", file=sys.stderr)
    return 1


def option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "ngrok" / "ngrok.yml"


def add_authtoken(args: list[str]) -> int:
    token = args[0] if args and not args[0].startswith("-") else None
    if token is None:
        print("ERROR:  You must pass a single argument, the authtoken", flush=True)
        return 1
    path = Path(option(args, "--config") or default_config_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    config = read_config(path)
    config.setdefault("version", "3")
    config.setdefault("agent", {})["authtoken"] = token
    path.write_text(json.dumps(config), encoding="utf-8")
    print(f"Authtoken saved to configuration file: {path}", flush=True)
    return 0


def read_config(path: Path) -> dict[str, Any]:
    """Read ngrok's config: JSON, or the flat YAML pyngrok writes."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    try:
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {}
    except ValueError:
        pass
    config: dict[str, Any] = {}
    section: dict[str, Any] = config
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or ":" not in raw:
            continue
        key, _, value = raw.strip().partition(":")
        value = value.strip().strip("'\"")
        if not raw.startswith((" ", "\t")):
            section = config
        if not value:
            section = config.setdefault(key, {})
        else:
            section[key] = value
    return config


def find_token(args: list[str], config: dict[str, Any]) -> str | None:
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    return (
        option(args, "--authtoken")
        or os.environ.get("NGROK_AUTHTOKEN")
        or agent.get("authtoken")
        or config.get("authtoken")
    )


# -- start: the agent ------------------------------------------------------


def start(args: list[str]) -> int:
    config_path = Path(option(args, "--config") or default_config_path())
    config = read_config(config_path)
    token = find_token(args, config)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(0))

    info("open config file", path=str(config_path), err="nil")
    api = serve_api()
    host, port = api.server_address[:2]
    info("starting web service", obj="web", addr=f"{host}:{port}", allow_hosts="[]")

    failure = session_failure(token)
    if failure is not None:
        lines, code = failure
        for line in lines:
            emit(line)
        return code
    delay = float(knob("STARTUP_DELAY", "0") or 0)
    if delay:
        time.sleep(delay)
    wait_while_offline()
    register_session(token)
    info("client session established", obj="tunnels.session")
    info("tunnel session started", obj="tunnels.session")
    schedule_crash()
    run_session()
    return 0


def session_failure(token: str | None) -> tuple[list[str], int] | None:
    scripted = knob("FAIL_LINES")
    if scripted:
        return list(json.loads(scripted)), int(knob("FAIL_EXIT", "1"))
    if not token:
        if knob("REQUIRE_AUTHTOKEN", "1") != "0":
            return list(MISSING_TOKEN_LINES), 1
        return None
    if not well_formed(token):
        return list(MALFORMED_TOKEN_LINES), 1
    if token in words("REVOKED_TOKENS"):
        return list(REVOKED_TOKEN_LINES), 1
    if too_many_sessions(token):
        return list(SESSION_LIMIT_LINES), 1
    return None


def well_formed(token: str) -> bool:
    head, _, tail = token.partition("_")
    return (
        len(head) >= TOKEN_SHAPE_MIN
        and len(tail) >= 15
        and head.isalnum()
        and tail.isalnum()
    )


def token_hash(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


def too_many_sessions(token: str) -> bool:
    account = knob("ACCOUNT_DIR")
    if not account:
        return False
    limit = int(knob("MAX_SESSIONS", "1"))
    live = [
        s
        for s in Path(account).glob("session-*.json")
        if is_alive(int(s.stem.split("-")[1]))
        and json.loads(s.read_text(encoding="utf-8")).get("token") == token_hash(token)
    ]
    return len(live) >= limit


def register_session(token: str | None) -> None:
    account = knob("ACCOUNT_DIR")
    if not account:
        return
    mine = Path(account) / f"session-{os.getpid()}.json"
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(json.dumps({"token": token_hash(token)}), encoding="utf-8")
    atexit.register(lambda: mine.unlink(missing_ok=True))


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


class OfflineLog:
    """Prints the offline lines one at a time, every OFFLINE_EVERY seconds."""

    def __init__(self) -> None:
        self.last = 0.0
        self.next = 0

    def tick(self) -> None:
        if time.monotonic() - self.last < float(knob("OFFLINE_EVERY", "2")):
            return
        lines = offline_lines()
        if lines:
            emit(lines[self.next % len(lines)])
            self.next += 1
        self.last = time.monotonic()


def wait_while_offline() -> None:
    log = OfflineLog()
    while flag("OFFLINE"):
        log.tick()
        time.sleep(0.05)


def offline_lines() -> list[str]:
    scripted = knob("OFFLINE_LINES")
    return list(json.loads(scripted)) if scripted else list(DEFAULT_OFFLINE_LINES)


def schedule_crash() -> None:
    after = knob("CRASH_AFTER")
    if not after:
        return
    times = knob("CRASH_TIMES")
    if times and len(recorded("crash")) >= int(times):
        return

    def crash() -> None:
        time.sleep(float(after))
        record({"event": "crash"})
        os._exit(2)

    threading.Thread(target=crash, daemon=True).start()


def run_session() -> None:
    """Keep the session; while offline, print the reconnect errors."""
    was_offline = False
    log = OfflineLog()
    while True:
        offline = flag("OFFLINE")
        if offline:
            log.tick()
        elif was_offline:
            info("client session established", obj="tunnels.session")
            log = OfflineLog()
        was_offline = offline
        time.sleep(0.05)


# -- the local API ---------------------------------------------------------


def serve_api() -> http.server.ThreadingHTTPServer:
    port = int(knob("WEB_PORT", "0") or 0)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), ApiHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class ApiHandler(http.server.BaseHTTPRequestHandler):
    """The agent's local API: endpoints (v3) and tunnels (v2)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.hang_if_asked()
        kind, name = self.route()
        if kind is None:
            return self.reply(404, error(100, 404, "not found"))
        with _lock:
            items = list(_endpoints.values())
        if name is None:
            return self.reply(200, {kind: items, "uri": f"/api/{kind}"})
        found = _endpoints.get(name)
        if found is None:
            return self.reply(404, error(100, 404, "Tunnel not found"))
        return self.reply(200, found)

    def do_POST(self) -> None:
        self.hang_if_asked()
        kind, name = self.route()
        if kind is None or name is not None:
            return self.reply(405, error(101, 405, "method not allowed"))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        status, answer = create_endpoint(kind, body)
        return self.reply(status, answer)

    def do_DELETE(self) -> None:
        self.hang_if_asked()
        kind, name = self.route()
        if kind is None or name is None:
            return self.reply(405, error(101, 405, "method not allowed"))
        if not delete_endpoint(name):
            return self.reply(404, error(100, 404, "Tunnel not found"))
        self.send_response(204)
        self.end_headers()
        return None

    def route(self) -> tuple[str | None, str | None]:
        parts = urllib.parse.urlsplit(self.path).path.strip("/").split("/")
        if (
            len(parts) < 2
            or parts[0] != "api"
            or parts[1]
            not in {
                "endpoints",
                "tunnels",
            }
        ):
            return None, None
        name = urllib.parse.unquote(parts[2]) if len(parts) > 2 else None
        return parts[1], name

    def hang_if_asked(self) -> None:
        while flag("API_HANG"):
            time.sleep(0.05)

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def error(code: int, status: int, msg: str, err: str | None = None) -> dict[str, Any]:
    details = {"err": err} if err else {}
    return {"error_code": code, "status_code": status, "msg": msg, "details": details}


def create_endpoint(kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    record({"event": "create", "kind": kind, "body": body})
    domain = requested_domain(body)
    refusal = domain_refusal(domain) if domain else None
    if refusal is not None:
        emit(f'lvl=eror msg="failed to start tunnel" err={quote(refusal)}')
        return 502, error(103, 502, "failed to start tunnel", refusal)
    upstream = upstream_url(body)
    name = str(body.get("name") or f"endpoint-{secrets.token_hex(4)}")
    proxy = serve_proxy(upstream, name)
    proxy_url = "http://{}:{}".format(*proxy.server_address[:2])
    public = public_url(domain, proxy_url)
    endpoint = {
        "id": f"ep_{secrets.token_hex(8)}",
        "name": name,
        "uri": f"/api/{kind}/{urllib.parse.quote(name)}",
        "url": public,
        "public_url": public,
        "proto": public.split("://", 1)[0],
        "upstream": {"url": upstream, "protocol": "http1"},
        "config": {"addr": upstream, "inspect": True},
        "metrics": {},
        "proxy_url": proxy_url,
    }
    with _lock:
        _endpoints[name] = endpoint
    record({"event": "endpoint", "name": name, "url": public, "proxy_url": proxy_url})
    info("started tunnel", obj="tunnels", name=name, addr=upstream, url=public)
    return 201, endpoint


def requested_domain(body: dict[str, Any]) -> str | None:
    url = body.get("url") or body.get("domain") or body.get("hostname")
    if not url:
        return None
    return urllib.parse.urlsplit(url if "://" in url else f"https://{url}").hostname


def domain_refusal(domain: str) -> str | None:
    if domain in words("ONLINE_DOMAINS"):
        return (
            f"failed to start tunnel: The endpoint 'https://{domain}' is already "
            "online.\r\n\r\nERR_NGROK_334\r\n"
        )
    reserved = words("RESERVED_DOMAINS")
    if reserved and domain not in reserved:
        return (
            "failed to start tunnel: This domain is reserved for another account. "
            f"Failed to create an endpoint with the domain '{domain}' for the "
            "account 'fake-account'. If you have reserved this name, make sure that "
            "you are using an authtoken credential for the appropriate account. "
            "Reserve a name on your dashboard: "
            "https://dashboard.ngrok.com/domains/new\r\n\r\nERR_NGROK_320\r\n"
        )
    return None


def upstream_url(body: dict[str, Any]) -> str:
    upstream = body.get("upstream")
    if isinstance(upstream, dict) and upstream.get("url"):
        return str(upstream["url"])
    addr = str(body.get("addr") or "80")
    return addr if "://" in addr else f"http://localhost:{addr}"


def public_url(domain: str | None, proxy_url: str) -> str:
    if domain:
        return f"https://{domain}"
    fixed = knob("PUBLIC_URL")
    if fixed:
        return fixed
    if knob("PUBLIC") == "random":
        return f"https://{secrets.token_hex(2)}-198-51-100-7.ngrok-free.app"
    return proxy_url


def delete_endpoint(name: str) -> bool:
    with _lock:
        found = _endpoints.pop(name, None)
        proxy = _proxies.pop(name, None)
    if proxy is not None:
        threading.Thread(target=proxy.shutdown, daemon=True).start()
    if found is not None:
        record({"event": "delete", "name": name})
    return found is not None


# -- the public side -------------------------------------------------------


def serve_proxy(upstream: str, name: str) -> http.server.ThreadingHTTPServer:
    target = urllib.parse.urlsplit(upstream)

    class Forward(ProxyHandler):
        upstream_host = target.hostname or "localhost"
        upstream_port = target.port or 80
        endpoint = name

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with _lock:
        _proxies[name] = server
    return server


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Forwards every request to the upstream, as ngrok's edge and agent do."""

    upstream_host = "localhost"
    upstream_port = 80
    endpoint = ""
    _HOP: ClassVar = {"connection", "keep-alive", "transfer-encoding", "content-length"}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if flag("OFFLINE"):
            with _lock:
                url = _endpoints.get(self.endpoint, {}).get("url", "")
            return self.answer(
                404, f"The endpoint {url} is offline.", "ERR_NGROK_3200", {}
            )
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self._HOP}
        headers["X-Forwarded-Proto"] = "https"
        connection = http.client.HTTPConnection(
            self.upstream_host, self.upstream_port, timeout=10
        )
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as err:
            return self.answer(
                502,
                "Traffic was successfully tunneled to the ngrok agent, but the agent "
                f"failed to establish a connection to the upstream web service "
                f"({err}).",
                "ERR_NGROK_8012",
                {},
            )
        finally:
            connection.close()
        passed = {k: v for k, v in response.getheaders() if k.lower() not in self._HOP}
        return self.answer(response.status, data, None, passed)

    def answer(
        self, status: int, data: bytes | str, code: str | None, headers: dict[str, str]
    ) -> None:
        raw = data.encode() if isinstance(data, str) else data
        if code is not None:
            raw = raw + f"\n\n{code}\n".encode()
            headers = {**headers, "Ngrok-Error-Code": code}
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def do_GET(self) -> None:
        self.forward()

    def do_HEAD(self) -> None:
        self.forward()

    def do_POST(self) -> None:
        self.forward()

    def do_PUT(self) -> None:
        self.forward()

    def do_PATCH(self) -> None:
        self.forward()

    def do_DELETE(self) -> None:
        self.forward()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
