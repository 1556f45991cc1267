"""Checks of a page open in the test browser: accessibility with axe-core (the npm
package in scripts/js-tools), nothing wider than a phone's screen, and a screenshot
kept as a test artefact (var/test/screenshots, or $CONFERRAL_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

from conferral.testing.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "scripts" / "js-tools" / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 390, "height": 844}
FAILING_IMPACTS = {"serious", "critical"}


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.is_file():
        unavailable("axe-core is not installed in scripts/js-tools (scripts/install-deps)")
    # Evaluated by the test driver, not added as a <script>: the pages' own policy
    # (script-src 'self') refuses inline scripts, as it should.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def screenshot(page: Page, name: str) -> Path:
    folder = Path(os.environ.get("CONFERRAL_SCREENSHOTS", ROOT / "var" / "test" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
