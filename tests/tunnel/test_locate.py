"""Finding the ngrok agent on PATH, past pyngrok's own ``ngrok`` script."""

import shutil
import sys
from pathlib import Path

import pytest

from hookflo.core.tunnel import locate
from hookflo.core.tunnel.errors import Problem, TunnelError
from tests.support.ngrokfixtures import FAKE_NGROK

PYNGROK_SCRIPT = f"""#!{sys.executable}
import sys
from pyngrok.ngrok import main
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit(main())
"""


def _pyngrok_script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ngrok"
    script.write_text(PYNGROK_SCRIPT)
    script.chmod(0o755)
    return script


def _real_stand_in(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    agent = folder / "ngrok"
    shutil.copy(FAKE_NGROK, agent)
    agent.chmod(0o755)
    return agent


def test_pyngrok_script_on_path_is_not_an_agent(fake_ngrok, tmp_path):
    _pyngrok_script(tmp_path / "venv-bin")
    environ = {"PATH": str(tmp_path / "venv-bin")}

    found = locate.find_agent(None, environ, downloaded=tmp_path / "none")

    assert found is None


def test_not_found_says_the_pyngrok_script_was_passed_over(fake_ngrok, tmp_path):
    script = _pyngrok_script(tmp_path / "venv-bin")
    environ = {"PATH": str(tmp_path / "venv-bin")}

    with pytest.raises(TunnelError) as caught:
        locate.require_agent(None, environ, downloaded=tmp_path / "none")

    assert caught.value.problem is Problem.NO_AGENT
    assert f"passed over pyngrok's own script {script}" in str(caught.value)


def test_an_agent_after_the_pyngrok_script_is_found(fake_ngrok, tmp_path, caplog):
    script = _pyngrok_script(tmp_path / "venv-bin")
    agent = _real_stand_in(tmp_path / "usr-bin")
    environ = {"PATH": f"{tmp_path / 'venv-bin'}:{tmp_path / 'usr-bin'}"}

    with caplog.at_level("DEBUG", logger=locate.__name__):
        found = locate.find_agent(None, environ, downloaded=tmp_path / "none")

    assert found == agent
    assert f"Skipping {script}" in caplog.text


def test_a_plain_agent_on_path_is_used(fake_ngrok, tmp_path):
    agent = _real_stand_in(tmp_path / "bin")

    found = locate.find_agent(
        None, {"PATH": str(tmp_path / "bin")}, downloaded=tmp_path / "none"
    )

    assert found == agent


def test_the_script_pyngrok_installed_here_is_recognised():
    installed = Path(sys.executable).parent / "ngrok"
    assert installed.is_file(), "pyngrok's console script is missing from the venv"

    assert locate.is_pyngrok_script(installed)
    assert not locate.is_pyngrok_script(FAKE_NGROK)
