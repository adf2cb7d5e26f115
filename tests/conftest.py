"""Shared fixtures: an isolated HookFlo home per test, and no surprise logs."""

import logging
import os

import pytest

# Qt aborts the whole run when it has no display; GUI tests that want a real
# X server (Xvfb) set their own platform before creating the application.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.support.receiverfixtures",
    "tests.support.secretservice",
    "tests.support.notifyserver",
    "tests.support.fakeslack",
    "tests.support.smtpserver",
    "tests.support.alertstack",
    "tests.support.ngrokfixtures",
    "tests.support.agentmirror",
    "tests.support.fakeclerkapi",
]


@pytest.fixture(autouse=True)
def hookflo_home(tmp_path, monkeypatch):
    """Give every test its own HOOKFLO_HOME and no secret overrides."""
    home = tmp_path / "hookflo-home"
    monkeypatch.setenv("HOOKFLO_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("HOOKFLO_SECRET_", "HOOKFLO_CLERK_SECRET_KEY_")):
            monkeypatch.delenv(name)
    return home


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warnings(request, caplog):
    """Fail a test that logs a warning or worse without saying it expects one."""
    yield
    if request.node.get_closest_marker("expect_log_warnings"):
        return
    loud = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and r.name.startswith("hookflo")
    ]
    if loud:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in loud)
        pytest.fail(f"Unexpected log lines at WARNING or above:\n{lines}")
