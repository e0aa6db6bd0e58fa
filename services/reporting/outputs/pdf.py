"""A report as PDF: the same .docx (or .xlsx) rendered by LibreOffice headless.

One engine, Debian's `libreoffice-writer-nogui`/`libreoffice-calc-nogui`, installed by
`tools/ensure_libreoffice.sh` (`make setup`); Times New Roman is rendered with Liberation
Serif, its metric twin (Microsoft's fonts cannot be installed here), so lines and pages break
as in Word. Without the engine the route answers 503 with a Vietnamese message, never a 500.

Rendering takes seconds and a good share of a core: one conversion at a time per process
(the office binary is not safe to run twice on one profile either), with a profile of this
process's own so several processes may render side by side.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from services.reporting import messages
from shared.errors import DomainError

ENGINE_NAMES = ("soffice", "libreoffice")
TIMEOUT_S = 180  # a cold start on a loaded two-core machine takes tens of seconds
_ONE_AT_A_TIME = threading.Lock()
_profile: Path | None = None

#: Renders that may wait for the engine beside the one running. Each waits on one of the
#: threads every route of the service runs on: 42 PDF links opened at once left
#: GET /api/v1/periods waiting 38.7 s (examiner-hostile). Past them a request is answered
#: 503 PDF_BUSY at once, with Retry-After, as a list as known at a moment is (AS_OF_BUSY).
MAX_WAITING = 3
RETRY_AFTER_S = 10
_queue_lock = threading.Lock()
_in_queue = 0


class PdfEngineUnavailable(DomainError):
    """The PDF cannot be made here now: no engine installed, or it failed or timed out."""

    status_code = 503


class PdfEngineBusy(DomainError):
    """A render asked while the engine runs one and MAX_WAITING more wait for it."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__("PDF_BUSY", messages.PDF_BUSY, retry_after_s=RETRY_AFTER_S)


def renders_in_queue() -> int:
    """Renders running or waiting for the engine in this process."""
    return _in_queue


def _enter_queue() -> None:
    global _in_queue
    with _queue_lock:
        if _in_queue > MAX_WAITING:
            raise PdfEngineBusy()
        _in_queue += 1


def _leave_queue() -> None:
    global _in_queue
    with _queue_lock:
        _in_queue -= 1


def engine() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return next((found for name in ENGINE_NAMES if (found := shutil.which(name))), None)


def to_pdf(document: bytes, suffix: str) -> bytes:
    """The PDF of a .docx or .xlsx document (suffix ".docx" or ".xlsx")."""
    executable = engine()
    if executable is None:
        raise PdfEngineUnavailable("PDF_ENGINE_MISSING", messages.PDF_ENGINE_MISSING)
    _enter_queue()
    try:
        return _rendered(executable, document, suffix)
    finally:
        _leave_queue()


def _rendered(executable: str, document: bytes, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="danvan-pdf-") as work:
        source = Path(work) / f"document{suffix}"
        source.write_bytes(document)
        with _ONE_AT_A_TIME:
            command = [
                executable, f"-env:UserInstallation={_profile_dir().as_uri()}", "--headless",
                "--norestore", "--nolockcheck", "--nodefault", "--convert-to", "pdf",
                "--outdir", work, str(source),
            ]
            try:
                result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S,
                                        check=False)
            except subprocess.TimeoutExpired as exc:
                raise PdfEngineUnavailable(
                    "PDF_ENGINE_FAILED", messages.PDF_ENGINE_FAILED) from exc
        target = source.with_suffix(".pdf")
        if result.returncode != 0 or not target.exists():
            raise PdfEngineUnavailable("PDF_ENGINE_FAILED", messages.PDF_ENGINE_FAILED,
                                       engine_output=result.stderr.decode(errors="replace")
                                       [-300:])
        return target.read_bytes()


def _profile_dir() -> Path:
    """This process's LibreOffice profile, made once (called under _ONE_AT_A_TIME)."""
    global _profile
    if _profile is None:
        _profile = Path(tempfile.mkdtemp(prefix="danvan-office-profile-"))
        atexit.register(shutil.rmtree, _profile, True)
    return _profile
