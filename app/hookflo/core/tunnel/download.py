"""Download the ngrok agent into HookFlo's data directory, showing progress.

Qt-free and blocking: ``fetch`` reports progress through a callback and
stops at the next chunk once its ``cancel`` event is set. Only the user
starts it (``hookflo tunnel install``, the tray's "Download ngrok agent…"):
HookFlo never downloads at start-up.

pyngrok knows where ngrok publishes the agent for each platform
(``installer.get_ngrok_cdn_url``) and how the archive is laid out: one .zip
or .tgz with the binary (``installer.get_ngrok_bin()``) at its top. HookFlo
uses that knowledge, but not ``installer.install_ngrok`` itself, which shows
progress only by printing to stdout, can be neither cancelled nor pointed at
another URL, saves the archive under a fixed name in the shared temporary
directory and extracts every member. Here the archive goes to a private file
beside the target, only the agent is taken out of it, and the agent appears
under its name only once complete: a failed attempt leaves no executable.
"""

import contextlib
import dataclasses
import errno
import gzip
import http.client
import logging
import os
import shutil
import socket
import ssl
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from hookflo import __version__

logger = logging.getLogger(__name__)

AGENT_DIR = "ngrok"
PARTIAL_PREFIX = ".partial-"
CHUNK_BYTES = 64 * 1024
_REPORT_EVERY_BYTES = 256 * 1024
_STALE_PARTIAL_S = 3600.0
ABOUT_MB = 10  # ngrok v3's archives weigh 8 to 12 MB, depending on the platform
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """How much of the agent's archive has arrived (``total``: if announced)."""

    done: int
    total: int | None


class DownloadError(Exception):
    """The agent could not be downloaded.

    Attributes:
        reason: why, in a few words for the user ("no network").
        detail: what failed, for the log.
        http_status: the status the server answered with, if it answered.
    """

    def __init__(
        self, reason: str, detail: str = "", *, http_status: int | None = None
    ) -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.http_status = http_status


class DownloadCancelledError(Exception):
    """The download was cancelled (HookFlo is stopping the tunnel)."""


def agent_path(data_dir: Path) -> Path:
    """Return where HookFlo keeps the agent it downloaded."""
    from pyngrok import installer  # loaded here: only a tunnel needs it

    return data_dir / AGENT_DIR / installer.get_ngrok_bin()


def default_url() -> str:
    """Return where ngrok publishes the agent for this machine (pyngrok's table).

    Raises:
        DownloadError: ngrok publishes none for this platform.
    """
    from pyngrok import exception, installer

    try:
        return installer.get_ngrok_cdn_url("3")
    except exception.PyngrokError as err:
        raise DownloadError(
            "ngrok publishes no agent for this platform", str(err)
        ) from err


def source_url(configured: str | None) -> str:
    """Return ``[tunnel] download_url`` if set, else ngrok's own address.

    Raises:
        DownloadError: ngrok publishes no agent for this platform.
    """
    return configured or default_url()


def shown(url: str) -> str:
    """Return ``url`` fit for a log line: no user, password or query."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def fetch(
    url: str,
    target: Path,
    *,
    stall_timeout_s: float,
    on_progress: Callable[[Progress], None],
    cancel: threading.Event,
) -> None:
    """Download the archive at ``url`` and install its agent as ``target``.

    Raises:
        DownloadError: the network, the server or the archive failed.
        DownloadCancelledError: ``cancel`` was set.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove_stale_partials(target.parent)
        archive = _partial(target.parent)
    except OSError as err:
        raise DownloadError(f"cannot write to {target.parent}", str(err)) from err
    try:
        _transfer(url, archive, stall_timeout_s, on_progress, cancel)
        _extract(archive, target)
    except OSError as err:  # writing the agent out, not the download
        raise DownloadError(f"cannot write to {target.parent}", str(err)) from err
    finally:
        archive.unlink(missing_ok=True)


def _transfer(
    url: str,
    archive: Path,
    stall_timeout_s: float,
    on_progress: Callable[[Progress], None],
    cancel: threading.Event,
) -> None:
    request = urllib.request.Request(
        url, headers={"User-Agent": f"hookflo/{__version__}"}
    )
    try:
        with (
            urllib.request.urlopen(request, timeout=stall_timeout_s) as answer,
            archive.open("wb") as out,
        ):
            report = _Reporter(_length(answer), on_progress)
            while chunk := answer.read(CHUNK_BYTES):
                if cancel.is_set():
                    raise DownloadCancelledError()
                out.write(chunk)
                report(len(chunk))
    except urllib.error.HTTPError as err:
        raise DownloadError(
            f"the download server answered HTTP {err.code}",
            str(err.reason),
            http_status=err.code,
        ) from err
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise _explain(err, stall_timeout_s) from err
    if report.total is not None and report.done != report.total:
        raise DownloadError(
            "the download was cut off",
            f"{report.done} of {report.total} bytes arrived",
        )


def _explain(error: Exception, stall_timeout_s: float) -> DownloadError:
    """Say in a few words why the connection failed."""
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    detail = str(cause)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return DownloadError(
            "the TLS connection is intercepted (a proxy or antivirus on this "
            "network inspects TLS)",
            detail,
        )
    if isinstance(cause, TimeoutError):
        return DownloadError(f"no answer within {stall_timeout_s:g} s", detail)
    if isinstance(cause, socket.gaierror | ConnectionError):
        return DownloadError("no network", detail)
    if isinstance(cause, http.client.IncompleteRead):
        return DownloadError("the download was cut off", detail)
    if isinstance(cause, OSError) and cause.errno in _UNREACHABLE:
        return DownloadError("no network", detail)
    return DownloadError("the download failed", detail or type(cause).__name__)


def _extract(archive: Path, target: Path) -> None:
    partial = _partial(target.parent)
    try:
        with _agent_in(archive, target.name) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out)
        partial.chmod(0o700)
        partial.replace(target)
    except KeyError as err:
        raise DownloadError(
            "the downloaded archive holds no ngrok agent", f"no {target.name} in it"
        ) from err
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        gzip.BadGzipFile,
        EOFError,
        zlib.error,
    ) as err:
        raise DownloadError("the downloaded archive is damaged", str(err)) from err
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def _agent_in(archive: Path, name: str) -> Iterator[IO[bytes]]:
    """Open the agent inside the archive (KeyError: it holds none)."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            if zipped.getinfo(name).is_dir():
                raise KeyError(name)
            with zipped.open(name) as member:
                yield member
        return
    with tarfile.open(archive, "r:*") as tarred:
        found = tarred.getmember(name)
        extracted = tarred.extractfile(found) if found.isfile() else None
        if extracted is None:
            raise KeyError(name)
        with extracted:
            yield extracted


class _Reporter:
    """Calls ``on_progress`` at each new percent (or each 256 KiB if no total)."""

    def __init__(
        self, total: int | None, on_progress: Callable[[Progress], None]
    ) -> None:
        self.done = 0
        self.total = total
        self._on_progress = on_progress
        self._last: int | None = None
        on_progress(Progress(0, total))

    def __call__(self, received: int) -> None:
        self.done += received
        if self.total:
            mark = self.done * 100 // self.total
        else:
            mark = self.done // _REPORT_EVERY_BYTES
        if mark != self._last:
            self._last = mark
            self._on_progress(Progress(self.done, self.total))


def _length(answer: http.client.HTTPResponse) -> int | None:
    value = answer.getheader("Content-Length")
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _partial(directory: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=directory)
    os.close(fd)
    return Path(name)


def _remove_stale_partials(directory: Path) -> None:
    """Remove what an attempt cut short by HookFlo's exit left behind."""
    cutoff = time.time() - _STALE_PARTIAL_S
    for leftover in directory.glob(f"{PARTIAL_PREFIX}*"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
