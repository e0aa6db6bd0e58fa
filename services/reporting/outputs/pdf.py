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


class PdfEngineUnavailable(DomainError):
    """The PDF cannot be made here now: no engine installed, or it failed or timed out."""

    status_code = 503


def engine() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return next((found for name in ENGINE_NAMES if (found := shutil.which(name))), None)


def to_pdf(document: bytes, suffix: str) -> bytes:
    """The PDF of a .docx or .xlsx document (suffix ".docx" or ".xlsx")."""
    executable = engine()
    if executable is None:
        raise PdfEngineUnavailable("PDF_ENGINE_MISSING", messages.PDF_ENGINE_MISSING)
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
