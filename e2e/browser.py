"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, for the self-service
pages. Playwright's own browser download is never used: the system browser is launched by path.

Without the browser the tests skip, unless ``KOTOPOLKU_REQUIRE_BROWSER=1`` (``make test``), where
they fail.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
AXE = REPO_ROOT / "services" / "gateway" / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("KOTOPOLKU_SCREENSHOTS", REPO_ROOT / "var" / "screenshots"))
# The flags the machine needs: no background traffic to the closed internet, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    return os.environ.get("KOTOPOLKU_CHROMIUM") or shutil.which("chromium")


def launch(playwright: Any) -> Any:
    """The system Chromium, or a skip (a failure under ``KOTOPOLKU_REQUIRE_BROWSER=1``)."""
    path = chromium_path()
    if path is None or not AXE.exists():
        message = "Chromium (apt-get install chromium) and `make web` (axe-core) are needed"
        if os.environ.get("KOTOPOLKU_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def save_screenshot(name: str, data: bytes) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.write_bytes(data)
    return path
