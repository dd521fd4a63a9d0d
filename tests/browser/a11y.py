"""axe-core in the page, the CSP left on; and the width a page takes on a phone.

axe-core is vendored (tests/browser/vendor/, MPL-2.0, licence beside it) rather than fetched
from npm at run time: the browser tests then run the same on a closed network, every run
checks against the same rules, and updating it is a reviewed commit. It is evaluated through
Playwright's DevTools channel, which the page's Content-Security-Policy does not govern, so
the app's CSP stays as strict as in production. To update:
`npm pack axe-core@4 && tar xzf axe-core-*.tgz package/axe.min.js package/LICENSE`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
# The bar is no serious or critical violation; none of lower impact exists either,
# so every impact is held to (a new moderate one is a regression too).
IMPACTS = ("minor", "moderate", "serious", "critical")
PHONE_NARROW = {"width": 360, "height": 740}


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, impacts: tuple[str, ...] = IMPACTS) -> list[str]:
    """The page's axe violations of these impacts, one line each with the first nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' +
                    (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160))}));
        }"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — " + " | ".join(v["nodes"])
        for v in result
        if v["impact"] in impacts
    ]


def sideways_overflow(page: Page) -> str | None:
    """None when the page fits the viewport's width; otherwise its width and the widest boxes."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width <= viewport:
        return None
    culprits = page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                 + ' right=' + Math.round(e.getBoundingClientRect().right))""",
        viewport,
    )
    return f"{width} px wide at {viewport} px: " + ", ".join(culprits)
