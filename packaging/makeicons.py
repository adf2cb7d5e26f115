"""Draw HookFlo's application icons from the tray icon's SVG.

Run from the repository root with the project's venv; it writes into
``packaging/icons`` (or the folder given) and needs no display:

    .venv/bin/python packaging/makeicons.py [OUTPUT_DIR]

The application icon is the "all well" tray icon (light variant) on a
rounded light tile, so that it stays visible on dark and light menus alike.
Outputs: ``hookflo.svg`` (the freedesktop scalable icon), ``hookflo-<N>.png``
for the freedesktop sizes, ``hookflo.ico`` (Windows) and ``hookflo.icns``
(macOS), both holding PNG images. The same inputs and Qt version give the
same files, byte for byte.
"""

import os
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "tray-healthy-light.svg"
OUTPUT = ROOT / "packaging" / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# macOS icon types that hold PNG data, by pixel size.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
)
SVG_NS = "http://www.w3.org/2000/svg"
_TILE = (
    '<rect x="8" y="8" width="240" height="240" rx="52" '
    'fill="#f8fafc" stroke="#cbd5e1" stroke-width="4"/>'
)


def app_svg(tray_svg: str) -> str:
    """Return the application icon: the tray drawing centred on a tile."""
    ET.register_namespace("", SVG_NS)
    tray = ET.fromstring(tray_svg)
    shapes = [
        ET.tostring(child, encoding="unicode").replace(f' xmlns="{SVG_NS}"', "").strip()
        for child in tray
        if child.tag != f"{{{SVG_NS}}}title"
    ]
    body = "\n    ".join(shapes)
    return (
        f'<svg xmlns="{SVG_NS}" width="256" height="256" viewBox="0 0 256 256">\n'
        "  <title>HookFlo</title>\n"
        f"  {_TILE}\n"
        '  <g transform="translate(40 40) scale(2.75)">\n'
        f"    {body}\n"
        "  </g>\n"
        "</svg>\n"
    )


def render_png(svg: str, size: int) -> bytes:
    """Render ``svg`` as a square PNG of ``size`` pixels."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("The application icon SVG does not render")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(f"Qt could not encode the {size} px icon as PNG")
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """Return a Windows .ico holding ``pngs`` (size → PNG data)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = size % 256  # 0 stands for 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """Return a macOS .icns holding ``pngs`` (size → PNG data)."""
    chunks = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def make(output: Path, source: Path = SOURCE) -> list[Path]:
    """Write every icon file into ``output``; return their paths."""
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = app_svg(source.read_text(encoding="utf-8"))
    sizes = {*PNG_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_TYPES)}
    pngs = {size: render_png(svg, size) for size in sorted(sizes)}
    output.mkdir(parents=True, exist_ok=True)
    written = {output / "hookflo.svg": svg.encode("utf-8")}
    written.update({output / f"hookflo-{size}.png": pngs[size] for size in PNG_SIZES})
    written[output / "hookflo.ico"] = ico_bytes({s: pngs[s] for s in ICO_SIZES})
    written[output / "hookflo.icns"] = icns_bytes(pngs)
    for path, data in written.items():
        path.write_bytes(data)
    del app
    return sorted(written)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    for path in make(target):
        print(path)
