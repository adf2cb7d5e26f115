"""Where the time goes in ``hookflo serve``: timings and cProfile, from outside app/.

Runs the real ``hookflo serve`` (``hookflo.main.main``) in a child process with
timing wrappers around the receiver and the event writer (installed by this
script at run time, nothing in app/ changes), drives it with the load generator
of ``receiver_bench.py`` from this process, then prints:

* the group-commit batches: how many events each commit carried and how long
  the transaction took (INSERTs vs COMMIT, the fsync);
* per request, server side: time in the handler before the event is queued
  (read, verify, parse), waiting in the writer's queue, in the transaction,
  from the futures being settled on the loop to the handler resuming;
* with ``--cprofile``: the top functions by own time on the event-loop thread
  and on the writer thread (cProfile slows Python code several times over, so
  read the shares, not the absolute times, and do not read latencies then).

The wrappers cost a few microseconds per request themselves: compare runs
with each other, not with ``receiver_bench.py``. ``--plain`` leaves them out
(throughput and CPU only). ``--tweak`` runs an experiment in the server process
only: ``log-info`` (the hookflo logger at INFO, so no debug record is built per
request), ``no-store`` (answer without storing), ``no-fsync`` (SQLite
synchronous=OFF), ``switch=SECONDS`` (the GIL switch interval). ``--app DIR``
runs another app/ tree, e.g. a ``git archive`` snapshot or a patched copy.

Run: ``.venv/bin/python bench/profile_hookflo.py --mode closed`` (32 connections
as fast as possible) or ``--mode open`` (200 requests/s, latency breakdown).
"""

import argparse
import base64
import contextlib
import cProfile
import json
import math
import pstats
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import receiver_bench as rb  # a sibling script, not a package

# --------------------------------------------------------------------------
# The child: hookflo serve, instrumented
# --------------------------------------------------------------------------


def _instrument(samples: dict[str, list[float]], timeline: dict[str, Any]) -> None:
    """Wrap the request path; per event, ``timeline`` gets its timestamps."""
    import contextvars

    from hookflo.core import eventwriter, receiver

    clock = time.perf_counter
    handler_started: contextvars.ContextVar[float] = contextvars.ContextVar("t0")

    handle = receiver.Receiver.handle
    verify_once = receiver.Receiver._verify_once
    describe = receiver._describe
    save_event = eventwriter.EventWriter.save_event
    commit = eventwriter.EventWriter._commit
    settle = eventwriter.EventWriter._settle
    insert_event = eventwriter._insert_event

    async def timed_handle(self: Any, request: Any) -> Any:
        started = clock()
        handler_started.set(started)
        response = await handle(self, request)
        samples["handler_total"].append(clock() - started)
        return response

    def timed_verify(self: Any, *args: Any) -> Any:
        started = clock()
        result = verify_once(self, *args)
        samples["verify"].append(clock() - started)
        return result

    def timed_describe(body: bytes) -> Any:
        started = clock()
        result = describe(body)
        samples["json_describe"].append(clock() - started)
        return result

    async def timed_save(self: Any, event: Any) -> Any:
        times = timeline[event.svix_id] = {"queued": clock()}
        times["handler"] = handler_started.get(times["queued"])
        result = await save_event(self, event)
        times["resumed"] = clock()
        return result

    def timed_commit(self: Any, batch: list[Any], *args: Any) -> None:
        started = clock()
        events = [j.record for j in batch if isinstance(j.record, eventwriter.NewEvent)]
        inserts_before = len(samples["insert"])
        commit(self, batch, *args)
        finished = clock()
        for event in events:
            times = timeline.get(event.svix_id)
            if times is not None:
                times["commit_start"] = started
                times["commit_end"] = finished
        samples["batch_size"].append(len(events))
        samples["transaction"].append(finished - started)
        samples["inserts_in_batch"].append(sum(samples["insert"][inserts_before:]))

    def timed_settle(self: Any, *args: Any) -> None:
        started = clock()
        with contextlib.suppress(IndexError, TypeError, ValueError):
            for _, event in args[1]:  # (settled, new_events)
                times = timeline.get(event.svix_id)
                if times is not None:
                    times["settled"] = started
        settle(self, *args)

    def timed_insert(*args: Any) -> Any:
        started = clock()
        result = insert_event(*args)
        samples["insert"].append(clock() - started)
        return result

    receiver.Receiver.handle = timed_handle  # type: ignore[method-assign]
    receiver.Receiver._verify_once = timed_verify  # type: ignore[method-assign]
    receiver._describe = timed_describe
    eventwriter.EventWriter.save_event = timed_save  # type: ignore[method-assign]
    eventwriter.EventWriter._commit = timed_commit  # type: ignore[method-assign]
    eventwriter.EventWriter._settle = timed_settle  # type: ignore[method-assign]
    eventwriter._insert_event = timed_insert


def _tweak_no_fsync() -> None:
    from hookflo.core import eventwriter, store

    connect = store.connect

    def connect_no_fsync(*args: Any, **kwargs: Any) -> Any:
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA synchronous=OFF")
        return conn

    store.connect = connect_no_fsync
    eventwriter.store.connect = connect_no_fsync


def _tweak_no_store() -> None:
    from hookflo.core import eventwriter

    stored = eventwriter.Saved(eventwriter.Outcome.STORED, 1)

    async def save_nothing(self: Any, event: Any) -> Any:
        return stored

    eventwriter.EventWriter.save_event = save_nothing  # type: ignore[method-assign]


def _apply_tweaks(tweaks: list[str]) -> None:
    """Experiments, in this process only: what if hookflo did X?"""
    import logging

    from hookflo.core import logs

    for tweak in tweaks:
        name, _, value = tweak.partition("=")
        if name == "log-info":  # debug records not built: hookflo logger at INFO
            setup = logs.setup

            def setup_info(*args: Any, _setup: Any = setup, **kwargs: Any) -> None:
                _setup(*args, **kwargs)
                logging.getLogger(logs.ROOT_LOGGER).setLevel(logging.INFO)

            logs.setup = setup_info
        elif name == "switch":  # the GIL's switch interval, in seconds
            sys.setswitchinterval(float(value))
        elif name == "no-fsync":  # the store with synchronous=OFF: no fsync
            _tweak_no_fsync()
        elif name == "no-store":  # save_event answers at once: no SQLite at all
            _tweak_no_store()
        else:
            raise SystemExit(f"unknown tweak {tweak!r}")


def serve(out: Path, profile: bool, tweaks: list[str], plain: bool) -> int:
    from collections import defaultdict

    from hookflo import main as hookflo_main
    from hookflo.core import eventwriter

    samples: dict[str, list[float]] = defaultdict(list)
    timeline: dict[str, Any] = {}
    if not plain:
        _instrument(samples, timeline)
    _apply_tweaks(tweaks)
    writer_profile = cProfile.Profile()
    if profile:
        run = eventwriter.EventWriter._run

        def profiled_run(self: Any, *args: Any) -> None:
            writer_profile.enable()
            try:
                run(self, *args)
            finally:
                writer_profile.disable()

        eventwriter.EventWriter._run = profiled_run  # type: ignore[method-assign]
    loop_profile = cProfile.Profile()
    if profile:
        loop_profile.enable()
    try:
        status = hookflo_main.main(["serve", "--host", rb.HOST, "--port", "0"])
    finally:
        if profile:
            loop_profile.disable()
            loop_profile.dump_stats(out / "loop.pstats")
            writer_profile.dump_stats(out / "writer.pstats")
        (out / "samples.json").write_text(json.dumps(samples))
        (out / "timeline.json").write_text(json.dumps(timeline))
    return status


# --------------------------------------------------------------------------
# The parent: start, load, report
# --------------------------------------------------------------------------


def _summary(values: list[float], scale: float = 1e3) -> str:
    if not values:
        return "n=0"
    ordered = sorted(values)
    mean = sum(ordered) / len(ordered)

    def at(percent: float) -> float:
        return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]

    return (
        f"n={len(ordered):<6} mean {mean * scale:8.3f}  p50 {at(50) * scale:8.3f}  "
        f"p99 {at(99) * scale:8.3f}  max {ordered[-1] * scale:8.3f}"
    )


def report(out: Path, load: dict[str, Any], profile: bool, top: int) -> None:
    print(json.dumps(load, indent=2))
    samples = json.loads((out / "samples.json").read_text())
    if samples:
        _report_timings(out, samples)
    if not profile:
        return
    for name in ("loop", "writer"):
        print(f"\n===== cProfile, {name} thread, top {top} by own time =====")
        stats = pstats.Stats(str(out / f"{name}.pstats"))
        stats.sort_stats("tottime").print_stats(top)


def _report_timings(out: Path, samples: dict[str, list[float]]) -> None:
    batches = samples.get("batch_size", [])
    events = sum(batches)
    print(f"\ncommits: {len(batches)} for {events} events")
    print(f"  events per commit: {_summary(batches, 1)}")
    for name in ("transaction", "inserts_in_batch"):
        print(f"  {name + ' ms':<22}{_summary(samples.get(name, []))}")
    pairs = zip(
        samples.get("transaction", []), samples.get("inserts_in_batch", []), strict=True
    )
    print(f"  {'commit+begin ms':<22}{_summary([t - i for t, i in pairs])}")
    timeline = json.loads((out / "timeline.json").read_text())
    spans: dict[str, list[float]] = {
        "handler_total": samples.get("handler_total", []),
        "verify": samples.get("verify", []),
        "json_describe": samples.get("json_describe", []),
    }
    steps = (
        ("handler_to_queued", "handler", "queued"),
        ("queue_wait", "queued", "commit_start"),
        # commit_end is taken once the writer has the GIL back, which can be
        # after the loop settled the futures: no commit-to-settle step here.
        ("in_transaction", "commit_start", "commit_end"),
        ("settle_to_resume", "settled", "resumed"),
        ("queued_to_resume", "queued", "resumed"),
    )
    for times in timeline.values():
        for name, first, last in steps:
            if first in times and last in times:
                spans.setdefault(name, []).append(times[last] - times[first])
    spans["insert"] = samples.get("insert", [])
    print("\nper request, server side (ms):")
    for name, values in spans.items():
        print(f"  {name:<22}{_summary(values)}")


async def _load(
    mode: str, port: int, pid: int, secret: str, args: argparse.Namespace
) -> dict[str, Any]:
    requests = rb.Requests(secret, port, "p")
    requests.fill(args.pool)
    if mode == "closed":
        return await rb.closed_loop(requests, port, pid, args)
    return await rb.open_loop(requests, port, pid, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("closed", "open"), default="closed")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--latency-duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--pool", type=int, default=40_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--app", type=Path, help="hookflo's app/ tree to run")
    parser.add_argument(
        "--plain", action="store_true", help="no timing wrappers (throughput only)"
    )
    parser.add_argument(
        "--tweak",
        action="append",
        default=[],
        help="experiment in the server process (repeatable): log-info (hookflo "
        "logger at INFO, no debug records built), switch=SECONDS (GIL switch "
        "interval), no-fsync (SQLite synchronous=OFF), no-store (answer without "
        "storing)",
    )
    parser.add_argument("--server-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.server_out:
        return serve(args.server_out, args.cprofile, args.tweak, args.plain)

    tmp = Path(tempfile.mkdtemp(prefix="hookflo-profile-"))
    try:
        _profile_in(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _profile_in(tmp: Path, args: argparse.Namespace) -> None:
    signal.signal(signal.SIGTERM, rb._terminate)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    home = tmp / "home"
    env = rb.hookflo_env(home, secret, args.app)
    argv = [sys.executable, str(Path(__file__).resolve()), "--server-out", str(tmp)]
    if args.cprofile:
        argv.append("--cprofile")
    for tweak in args.tweak:
        argv.append(f"--tweak={tweak}")
    if args.plain:
        argv.append("--plain")
    server = rb.Server("hookflo", argv, env, tmp)
    server.ready_file = home / "data" / "receiver.json"
    try:
        deadline = time.monotonic() + rb.READY_TIMEOUT_S
        while not server.poll_ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready:\n{server.tail()}")
            time.sleep(0.02)
        load = rb._run_in_loop(
            lambda: _load(args.mode, server.port, server.process.pid, secret, args),
            args.mode == "open",
        )
    finally:
        status = server.stop()
    if status != 0:
        raise RuntimeError(f"the server exited with {status}:\n{server.tail()}")
    report(tmp, load, args.cprofile, args.top)


if __name__ == "__main__":
    sys.exit(main())
