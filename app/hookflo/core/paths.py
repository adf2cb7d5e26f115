"""Where HookFlo keeps its config, data and logs.

``HOOKFLO_HOME=DIR`` puts everything under DIR (tests, several instances);
otherwise the platform's user directories are used.
"""

import dataclasses
import os
from pathlib import Path

import platformdirs

APP_NAME = "hookflo"
HOME_VARIABLE = "HOOKFLO_HOME"


@dataclasses.dataclass(frozen=True, slots=True)
class Paths:
    """The directories and files of one HookFlo instance."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        """The TOML settings file (never holds secrets)."""
        return self.config_dir / "config.toml"

    @property
    def template_dir(self) -> Path:
        """Where the user's own alert templates live."""
        return self.config_dir / "templates"

    @property
    def database_file(self) -> Path:
        """The SQLite event store."""
        return self.data_dir / "hookflo.sqlite3"

    @property
    def runtime_file(self) -> Path:
        """Where a running receiver writes its address and pid."""
        return self.data_dir / "receiver.json"

    @property
    def lock_file(self) -> Path:
        """Locked by the running receiver: one HookFlo per home."""
        return self.data_dir / "hookflo.lock"

    @property
    def home(self) -> Path:
        """The directory that names this instance to the user.

        ``HOOKFLO_HOME`` when it is set (the config and data live under it),
        otherwise the data directory.
        """
        if self.data_dir.parent == self.config_dir:
            return self.config_dir
        return self.data_dir

    @property
    def log_file(self) -> Path:
        """The rotating log file."""
        return self.log_dir / "hookflo.log"

    def ensure(self) -> None:
        """Create the directories, readable by the owner only."""
        for directory in (self.config_dir, self.data_dir, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)


def resolve(environ: dict[str, str] | None = None) -> Paths:
    """Return the paths for this process, honouring ``HOOKFLO_HOME``."""
    env = os.environ if environ is None else environ
    home = env.get(HOME_VARIABLE, "").strip()
    if home:
        root = Path(home).expanduser().absolute()
        return Paths(config_dir=root, data_dir=root / "data", log_dir=root / "logs")
    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
