"""pyngrok (and yaml, which it imports) load only once a tunnel is wanted.

Each check runs in a fresh interpreter, since this test process has long
imported pyngrok for the other tunnel tests. The real processes (``hookflo
serve`` and the tray app, with their import logs) are checked in
``tests/e2e/test_lean_imports.py`` and ``tests/gui/test_desktop_e2e.py``.
"""

import json
import subprocess
import sys

import pytest

TUNNEL_LIBRARIES = ("pyngrok", "yaml")

# Loads what a start path loads, runs ``then``, and prints which tunnel
# libraries were in sys.modules before and after.
_PROBE = """
import json, sys
{imports}
def loaded():
    return sorted(
        name for name in {libraries!r}
        if any(m == name or m.startswith(name + ".") for m in sys.modules)
    )
before = loaded()
{then}
print(json.dumps({{"before": before, "after": loaded()}}))
"""


def probe(imports: str, then: str = "pass") -> dict[str, list[str]]:
    """Return the tunnel libraries loaded before and after ``then``."""
    code = _PROBE.format(imports=imports, libraries=TUNNEL_LIBRARIES, then=then)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, list[str]] = json.loads(result.stdout)
    return answer


@pytest.mark.parametrize(
    "imports",
    [
        # The tray app's start path: the entry point, its launcher and app.
        "import hookflo.main, hookflo.gui.launcher, hookflo.gui.app",
        # ``hookflo serve``'s: the command line and the serve command.
        "import hookflo.main, hookflo.cli, hookflo.cli.serve",
        # Everything a tunnel is made of, without starting one.
        "import hookflo.core.tunnel.build, hookflo.core.tunnel.supply",
    ],
    ids=["tray", "serve", "tunnel-modules"],
)
def test_start_paths_do_not_load_pyngrok_or_yaml(imports):
    assert probe(imports)["before"] == []


def test_finding_the_agent_loads_pyngrok():
    # The counter-check: the probe does see pyngrok once a tunnel needs it.
    loaded = probe(
        "from hookflo.core.tunnel import locate",
        then="locate.managed_path()",
    )
    assert loaded == {"before": [], "after": ["pyngrok", "yaml"]}


def test_explaining_an_agent_api_error_loads_nothing_without_pyngrok():
    # Errors are explained without importing pyngrok: an exception that is
    # not pyngrok's needs none of its classes.
    loaded = probe(
        "from hookflo.core.tunnel import errors",
        then=(
            "explained = errors.translate(RuntimeError('dial tcp: no such host'),"
            " [], domain=None)\n"
            "assert explained.problem is errors.Problem.NO_NETWORK, explained"
        ),
    )
    assert loaded == {"before": [], "after": []}
