"""Moving through a page by keyboard alone, as the keyboard journeys and the keyboard log-in do:
Tab (or Shift+Tab) to a control, checking on the way that every focused control shows its focus."""
import re

MAX_TABS = 400

FOCUSED = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const text = (el.innerText || el.value || '').replace(/\s+/g, ' ').trim().slice(0, 120);
  return {id: el.id, tag: el.tagName.toLowerCase(), text: text,
          label: el.getAttribute('aria-label') || '', focusVisible: el.matches(':focus-visible'),
          ring: outline || (style.boxShadow && style.boxShadow !== 'none')};
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, *, id: str | None = None, text: str | re.Pattern | None = None, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused control has this id or this text, checking on
    the way that every control focused shows a visible focus ring."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        seen.append(now)
        if now is None:
            continue
        assert now["ring"], f"focus is not visible on {now}"
        if id is not None and now["id"] == id:
            return now
        if text is not None:
            shown = (now["text"] + " " + now["label"]).strip()
            if (text.search(shown) if isinstance(text, re.Pattern) else text in shown):
                return now
    raise AssertionError(f"could not reach {id or text} with the keyboard; focused on the way: {seen[:40]}")
