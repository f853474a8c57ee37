"""axe-core in the test browser: run it on the page as it stands and report what a person using a
screen reader, a keyboard or magnification would trip over (serious and critical findings)."""
import hashlib
import re
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_PATH = Path(__file__).resolve().parent / "vendor" / f"axe-{AXE_VERSION}.min.js"
BLOCKING = ("serious", "critical")
CSRF = re.compile(r'(name="csrf_token"[^>]*value="|"X-CSRFToken": ")[^"]*')

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 160)}))
  }));
}"""


def open_disclosures(page) -> None:
    """Open every <details> so what it hides is checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def fingerprint(page) -> str:
    """The main content as shown, without the per-session CSRF token."""
    html = page.evaluate("() => document.querySelector('main').outerHTML")
    return hashlib.sha1(CSRF.sub("", html).encode()).hexdigest()


def violations(page) -> list[dict]:
    """Serious and critical axe findings on the current page (axe is injected when missing)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_PATH))
    found = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in BLOCKING]


def describe(where: str, found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}  {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)
