"""One search over the four kinds of record a person looks up by name or code: schools, initiatives,
Measures of Success and priorities.

Each kind is searched only for a person whose role may open the page its results link to (the access
rule of that endpoint, read here rather than written again), and within the records that person may
open there (a principal's own school, a regional leader's region; every office reads every
initiative; the plan's measures and priorities are public). Every kind is one statement, with its
count beside its rows, so a search runs at most four whatever the district's size or the query."""
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import get_translations, gettext
from markupsafe import Markup
from sqlalchemy import Select, and_, case, func, or_, select

from portal.extensions import db
from portal.kernel import formatting, i18n
from portal.kernel.access import rule_for
from portal.kernel.i18n import N_
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School
from portal.org.queries import visible_schools
from portal.progress.models import Initiative
from portal.search.text import fold, folded
from portal.strategic_plan.models import Measure, Pillar, Priority
from portal.strategic_plan.translations import plan_text

MAX_LENGTH = 100  # characters searched; the rest of a longer query is left out, and the page says so
MAX_WORDS = 8
SUGGEST_LIMIT = 5  # per kind, in the header's list
PAGE_LIMIT = 20  # per kind, on the search page
TEXT_SHOWN = 140  # a Measure of Success is a sentence: the start of it is shown
# Marks that change how text is shown but are no letter to look for: bidirectional overrides and isolates.
_INVISIBLE = {"\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\ufeff"}


@dataclass(frozen=True)
class Query:
    """What the person typed, made safe to search: control characters and direction marks become
    spaces, runs of spaces one, and at most MAX_LENGTH characters are kept."""

    text: str = ""
    cut: bool = False  # the query was longer than MAX_LENGTH
    dropped: bool = False  # something was typed, but no letter or digit was left to look for

    @classmethod
    def parse(cls, raw: str | None) -> "Query":
        raw = raw or ""
        kept = "".join(" " if c in _INVISIBLE or unicodedata.category(c)[0] == "C" else c for c in raw)
        text = " ".join(kept.split())
        cut = len(text) > MAX_LENGTH
        text = text[:MAX_LENGTH].rstrip()
        return cls(text=text, cut=cut, dropped=bool(raw.strip()) and not text)

    @property
    def words(self) -> list[str]:
        """The folded words, each of which a name must hold (in any order)."""
        unique = dict.fromkeys((fold(self.text) or "").split())
        return list(unique)[:MAX_WORDS]

    @property
    def code(self) -> str:
        """The query as a code is compared: folded, without spaces ('1a', '1a-1', '2417')."""
        return "".join(self.words)


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """Flask-Babel's ngettext, with the count (num) written as the page's language writes figures: 1,250."""
    return get_translations().ngettext(singular, plural, n) % {"num": formatting.count(n), **variables}


@dataclass(frozen=True)
class Hit:
    label: str
    code: str
    detail: str
    endpoint: str
    args: dict
    rank: int = 3  # Matcher.rank: 0 the exact code, 1 a code that starts with it, 2 a name that does, 3 any other


@dataclass
class Group:
    kind: str
    title: str
    noun: str  # for "No school, initiative, ... matches"
    one: str  # "1 Measure of Success"
    many: str  # "5 Measures of Success"
    hits: list[Hit] = field(default_factory=list)
    total: int = 0

    @property
    def counted(self) -> str:
        """'1 Measure of Success', '5 schools', in the page's language."""
        n = self.total
        return {"schools": lambda: ngettext("%(num)s school", "%(num)s schools", n),
                "initiatives": lambda: ngettext("%(num)s initiative", "%(num)s initiatives", n),
                "measures": lambda: ngettext("%(num)s Measure of Success", "%(num)s Measures of Success", n),
                "priorities": lambda: ngettext("%(num)s priority", "%(num)s priorities", n),
                }[self.kind]()


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    noun: str
    one: str
    many: str
    endpoint: str  # the page each hit links to: who may open it decides who searches this kind
    find: Callable[["Matcher", object, int], tuple[list[Hit], int]]


class Matcher:
    """The WHERE and ORDER BY of one query, in the database's own SQL."""

    def __init__(self, query: Query):
        self.query = query
        self.dialect = db.session.get_bind().dialect.name

    def of(self, column):
        return folded(column, self.dialect)

    def matches(self, code_column, name_column, *also):
        """The code starts with the query, or the name holds every word of it."""
        words = and_(*(self.of(name_column).contains(word, autoescape=True) for word in self.query.words))
        return or_(self.of(code_column).startswith(self.query.code, autoescape=True), words, *also)

    def rank(self, code_column, name_column):
        """The exact code first, then codes that start with it, then names that start with it."""
        return case((self.of(code_column) == self.query.code, 0),
                    (self.of(code_column).startswith(self.query.code, autoescape=True), 1),
                    (self.of(name_column).startswith(self.query.words[0], autoescape=True), 2), else_=3)


def _rows(stmt: Select, limit: int) -> tuple[list, int]:
    """The first `limit` rows and how many there are in all, in one statement."""
    rows = list(db.session.execute(stmt.add_columns(func.count().over().label("total")).limit(limit)).all())
    return rows, (rows[0].total if rows else 0)


def _schools(m: Matcher, user, limit: int) -> tuple[list[Hit], int]:
    rank = m.rank(School.code, School.name).label("rank")
    stmt = (visible_schools(user).with_only_columns(School.id, School.code, School.name, Region.short_name, rank)
            .join_from(School, Region).where(m.matches(School.code, School.name))
            .order_by(rank, School.name, School.id))
    rows, total = _rows(stmt, limit)
    return [Hit(r.name, r.code, r.short_name, "main.school", {"school_id": r.id}, r.rank) for r in rows], total


def _initiatives(m: Matcher, user, limit: int) -> tuple[list[Hit], int]:
    # Every office reads every action plan; an office's own come first.
    own = case((Initiative.office_id == user.office_id, 0), else_=1) if user.role == Role.central_office else None
    rank = m.rank(Initiative.code, Initiative.name).label("rank")
    stmt = (select(Initiative.id, Initiative.code, Initiative.name, Office.name.label("office"),
                   Priority.code.label("priority"), rank)
            .join_from(Initiative, Office).join_from(Initiative, Priority)
            .where(m.matches(Initiative.code, Initiative.name, m.of(Priority.code) == m.query.code))
            .order_by(*([own] if own is not None else []), rank,
                      Initiative.name, Initiative.id))
    rows, total = _rows(stmt, limit)
    return [Hit(i18n.english(r.name), r.code,
                gettext("Priority %(code)s · %(office)s", code=r.priority, office=r.office),
                "initiatives.initiative", {"initiative_id": r.id}, r.rank) for r in rows], total


def _measures(m: Matcher, _user, limit: int) -> tuple[list[Hit], int]:
    rank = m.rank(Measure.code, Measure.text).label("rank")
    stmt = (select(Measure.code, Measure.text, Priority.code.label("priority"), Priority.name.label("priority_name"),
                   rank)
            .join_from(Measure, Priority).where(m.matches(Measure.code, Measure.text))
            .order_by(rank, Priority.code, Measure.position))
    rows, total = _rows(stmt, limit)
    return [Hit(i18n.english(_shortened(r.text)), r.code,
                Markup("{} {}").format(r.priority, plan_text("priority", r.priority, "name", r.priority_name)),
                "scorecard.measure",
                {"code": r.code}, r.rank) for r in rows], total


def _priorities(m: Matcher, _user, limit: int) -> tuple[list[Hit], int]:
    rank = m.rank(Priority.code, Priority.name).label("rank")
    stmt = (select(Priority.code, Priority.name, Pillar.number, Pillar.name.label("pillar"), rank)
            .join_from(Priority, Pillar).where(m.matches(Priority.code, Priority.name))
            .order_by(rank, Priority.code))
    rows, total = _rows(stmt, limit)
    pillar = Markup(gettext("Pillar %(number)s: %(name)s"))
    return [Hit(plan_text("priority", r.code, "name", r.name), r.code,
                pillar % {"number": r.number, "name": plan_text("pillar", r.number, "name", r.pillar)},
                "plan.priority", {"code": r.code}, r.rank) for r in rows], total


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN].rsplit(" ", 1)[0] + "…"


# Titles and nouns in English (N_), translated where they are shown.
KINDS = (
    Kind("schools", N_("Schools"), N_("school"), "school", "schools", "main.school", _schools),
    Kind("initiatives", N_("Initiatives"), N_("initiative"), "initiative", "initiatives", "initiatives.initiative",
         _initiatives),
    Kind("measures", N_("Measures of Success"), N_("measure"), "Measure of Success", "Measures of Success",
         "scorecard.measure", _measures),
    Kind("priorities", N_("Priorities"), N_("priority"), "priority", "priorities", "plan.priority", _priorities),
)


def kinds_for(user) -> list[Kind]:
    """The kinds whose pages this person may open."""
    return [kind for kind in KINDS if (rule := rule_for(kind.endpoint)) is not None and rule.admits(user)]


def search(user, query: Query, limit: int) -> list[Group]:
    """Each kind the person may search, with its first `limit` hits and its count (none run for an
    empty query). The kind holding the best match comes first: whoever types '1A-2' sees that measure
    before an initiative whose name happens to hold '1a'; kinds that match equally keep their order."""
    kinds = kinds_for(user)
    groups = [Group(kind.key, kind.title, kind.noun, kind.one, kind.many) for kind in kinds]
    if not query.words:
        return groups
    matcher = Matcher(query)
    for group, kind in zip(groups, kinds, strict=True):
        group.hits, group.total = kind.find(matcher, user, limit)
    return sorted(groups, key=lambda group: min((hit.rank for hit in group.hits), default=len(KINDS)))
