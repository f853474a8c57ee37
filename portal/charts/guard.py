"""The one guard every chart a page draws goes through: a chart is an extra view of figures that are
always in the table beside it, so when drawing one fails (old stored data nobody checked, or a bug)
the page is still answered, with the table and a short note where the chart would be.

Each chart function is decorated with @guarded; a template draws the chart when it is true, and
otherwise shows chart_note(chart) from _macros.html, which says something only for an Undrawn."""
import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from markupsafe import Markup

logger = logging.getLogger(__name__)

NOTE = "The chart could not be drawn; the figures are in the table."

P = ParamSpec("P")
T = TypeVar("T")


class Undrawn:
    """What a guarded chart function gives when drawing raised: false, so `{% if chart %}` leaves
    the chart out, and written into a page it is the note."""

    undrawn = True
    note = NOTE

    def __bool__(self) -> bool:
        return False

    def __html__(self) -> str:
        return Markup('<p class="chart-note muted">{}</p>').format(NOTE)

    def __repr__(self) -> str:
        return "UNDRAWN"


UNDRAWN = Undrawn()


def guarded(draw: Callable[P, T]) -> Callable[P, T | Undrawn]:
    """The chart function, logging any exception it raises and giving UNDRAWN in its place."""

    @functools.wraps(draw)
    def drawing(*args: P.args, **kwargs: P.kwargs) -> T | Undrawn:
        try:
            return draw(*args, **kwargs)
        except Exception:  # a chart never takes its page down: the table beside it has the figures
            logger.exception("Could not draw the chart %s; the page shows its table without it.",
                             draw.__qualname__)
            return UNDRAWN

    return drawing
