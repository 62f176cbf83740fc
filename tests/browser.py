"""Headless Chromium for the HTML report tests: the browser, and a page that records everything.

The pages are opened through Playwright with the system's /usr/bin/chromium (Playwright never
downloads a browser). Every request is routed and recorded: anything but file:, data:, blob:
and about: is aborted and listed, and so is any JavaScript error (page errors and console
errors), so a test can fail on either. The `chromium` fixture (tests/conftest.py) installs
Chromium with apt-get when it is missing and root or password-less sudo allows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")


def install_chromium() -> str:
    """Try to apt-get install Chromium; returns what happened (for the skip/fail reason)."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        prefix = ["sudo", "-n"]
    else:
        return "not root and no password-less sudo to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    print("Installing Chromium: " + " ".join(install), flush=True)
    result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:  # the package lists may be missing or stale
        subprocess.run([*prefix, "apt-get", "update"], capture_output=True, env=env, check=False)
        result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        return "apt-get install failed: " + " ".join(result.stderr.strip().splitlines()[-2:])
    return "installed"


@dataclass
class Guard:
    """Every request the page made and every JavaScript error it raised."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def outside(self) -> list[str]:
        """Requests to anything but the file itself (and data:, blob:, about:)."""
        return [url for url in self.requests if not url.startswith(ALLOWED_SCHEMES)]


@contextmanager
def guarded_page(
    chromium: Path, *, viewport: dict[str, int] | None = None
) -> Iterator[tuple[Any, Guard]]:
    """A fresh headless Chromium page whose requests and errors are recorded in the Guard."""
    from playwright.sync_api import sync_playwright

    guard = Guard()

    def route(route: Any) -> None:
        url = route.request.url
        guard.requests.append(url)
        if url.startswith(ALLOWED_SCHEMES):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1100, "height": 900})
            page.on("pageerror", lambda error: guard.errors.append(f"pageerror: {error}"))
            page.on(
                "console",
                lambda message: (
                    guard.errors.append(f"console.{message.type}: {message.text}")
                    if message.type in ("error", "assert")
                    else None
                ),
            )
            page.on("request", lambda request: guard.requests.append(request.url))
            page.on("websocket", lambda socket: guard.requests.append(socket.url))
            page.route("**/*", route)
            yield page, guard
        finally:
            browser.close()
