"""The Windows version resource of ``hookflo.exe``, from pyproject's version.

``hookflo.spec`` writes it to ``build/version-info.txt`` on every build and
hands it to PyInstaller on Windows, so the version shown in Explorer's file
properties is always the one in ``pyproject.toml``. Run as a script to print
it: ``python packaging/versioninfo.py``.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# PyInstaller reads this file with eval(); the names are its
# PyInstaller.utils.win32.versioninfo classes.
_TEMPLATE = """\
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
        StringStruct('CompanyName', 'HookFlo'),
        StringStruct('FileDescription', 'HookFlo: Clerk webhooks on your desktop'),
        StringStruct('FileVersion', {version!r}),
        StringStruct('InternalName', 'hookflo'),
        StringStruct('OriginalFilename', 'hookflo.exe'),
        StringStruct('ProductName', 'HookFlo'),
        StringStruct('ProductVersion', {version!r})
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x0409, 1200])])
  ]
)
"""


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """Return the ``[project] version`` of ``pyproject``."""
    with pyproject.open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """Return the four numbers Windows wants for ``version`` ("0.1.0" → 0,1,0,0).

    Pre-release and local parts are dropped: Windows has no place for them.
    """
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", version)
    if not match:
        raise ValueError(f"Not a release version: {version!r}")
    parts = [int(part or 0) for part in match.groups()]
    return parts[0], parts[1], parts[2], parts[3]


def render(version: str) -> str:
    """Return the version resource text for ``version``."""
    return _TEMPLATE.format(numbers=version_numbers(version), version=version)


def write(target: Path, version: str) -> Path:
    """Write the version resource for ``version`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(version), encoding="utf-8")
    return target


if __name__ == "__main__":
    sys.stdout.write(render(project_version()))
