"""The committed application icons are what packaging/makeicons.py draws."""

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "packaging" / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
# Another Qt release may antialias edges a little differently; a real change
# of the drawing moves far more than this.
MAX_CHANNEL_DIFFERENCE = 24
MAX_DIFFERENT_SHARE = 0.02


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("icons")
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    made = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "makeicons.py"), str(output)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return output


def image(data: bytes) -> QImage:
    picture = QImage.fromData(data, "PNG")
    assert not picture.isNull()
    return picture.convertToFormat(QImage.Format.Format_ARGB32)


def different_share(a: QImage, b: QImage) -> float:
    assert a.size() == b.size()
    raw_a = bytes(a.constBits())
    raw_b = bytes(b.constBits())
    differing = sum(
        1
        for i in range(0, len(raw_a), 4)
        if max(abs(raw_a[i + k] - raw_b[i + k]) for k in range(4))
        > MAX_CHANNEL_DIFFERENCE
    )
    return differing / (a.width() * a.height())


def test_the_same_files_are_drawn_and_committed(drawn):
    names = sorted(p.name for p in drawn.iterdir())
    assert names == sorted(p.name for p in COMMITTED.iterdir())
    assert (drawn / "hookflo.svg").read_text() == (
        COMMITTED / "hookflo.svg"
    ).read_text()


@pytest.mark.parametrize("size", PNG_SIZES)
def test_each_png_matches_a_fresh_drawing(drawn, size):
    name = f"hookflo-{size}.png"
    fresh = image((drawn / name).read_bytes())
    committed = image((COMMITTED / name).read_bytes())
    assert (committed.width(), committed.height()) == (size, size)
    assert different_share(fresh, committed) <= MAX_DIFFERENT_SHARE, (
        f"{name} differs; run .venv/bin/python packaging/makeicons.py"
    )


def test_the_windows_icon_holds_pngs_of_every_size():
    data = (COMMITTED / "hookflo.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _c, _r, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        picture = image(data[offset : offset + length])
        side = width or 256
        assert (picture.width(), picture.height(), height or 256) == (side,) * 3
        assert (planes, bits) == (1, 32)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_the_macos_icon_holds_pngs_from_16_to_1024_pixels():
    data = (COMMITTED / "hookflo.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    found = {}
    offset = 8
    while offset < len(data):
        kind = data[offset : offset + 4]
        (length,) = struct.unpack_from(">I", data, offset + 4)
        picture = image(data[offset + 8 : offset + length])
        found[kind] = picture.width()
        offset += length
    assert found == {
        b"icp4": 16,
        b"icp5": 32,
        b"icp6": 64,
        b"ic07": 128,
        b"ic08": 256,
        b"ic09": 512,
        b"ic10": 1024,
    }
