"""Print the HTML report to PDF with headless Chromium (the page's print stylesheet)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


class PdfError(Exception):
    """The PDF cannot be printed (shown to the user without a traceback)."""


def find_chromium() -> str | None:
    """CS_METRICS_CHROMIUM, else the first Chromium or Chrome on PATH (None when absent)."""
    configured = os.environ.get("CS_METRICS_CHROMIUM")
    if configured:
        return shutil.which(configured) or (configured if Path(configured).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 180) -> Path:
    """Print html_path to pdf_path through headless Chromium; returns pdf_path."""
    chromium = find_chromium()
    if chromium is None:
        raise PdfError(
            "Chromium was not found, so no PDF was printed (the HTML report is written). Install"
            " it (Debian/Ubuntu: `sudo apt-get install -y --no-install-recommends chromium`) or"
            " set CS_METRICS_CHROMIUM to a Chromium or Chrome executable, or print the HTML from"
            " any browser."
        )
    pdf_path = pdf_path.resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cs-metrics-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"{chromium} did not finish printing within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"cannot run {chromium}: {exc}") from exc
    if result.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise PdfError(
            f"{chromium} failed to print {html_path} (exit {result.returncode}):\n"
            + "\n".join(detail)
        )
    return pdf_path
