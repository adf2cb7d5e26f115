"""What a command runs against: streams, environment variables, paths.

Injected so that tests can run the real ``main()`` in-process and read what
it printed (the way httpie's test runner does).
"""

import dataclasses
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from hookflo.core import config, paths
from hookflo.core.credentials import Credentials


@dataclasses.dataclass
class Env:
    """The outside world of one command run."""

    stdin: TextIO = dataclasses.field(default_factory=lambda: sys.stdin)
    stdout: TextIO = dataclasses.field(default_factory=lambda: sys.stdout)
    stderr: TextIO = dataclasses.field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = dataclasses.field(default_factory=lambda: os.environ)
    credentials: Credentials | None = None

    @property
    def paths(self) -> paths.Paths:
        """The directories of this instance."""
        return paths.resolve(dict(self.environ))

    def load_config(self) -> config.Config:
        """Read ``config.toml`` (or the defaults)."""
        return config.load(self.paths.config_file)

    def secrets(self) -> Credentials:
        """The keyring access for this run."""
        if self.credentials is None:
            self.credentials = Credentials(self.environ)
        return self.credentials

    def print(self, text: str = "") -> None:
        """Write a line to standard output."""
        self.stdout.write(text + "\n")

    def error(self, text: str) -> None:
        """Write a line to standard error."""
        self.stderr.write(text + "\n")
