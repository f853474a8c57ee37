"""The dashboard's filters (region, goal or metric, level, student group), read from the URL and
checked against the plan's own codes, so links are shareable and the back button works."""
from dataclasses import dataclass, field

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import i18n
from portal.org.models import Region
from portal.rollups.compute import LEVEL_ORDER
from portal.rollups.dashboard import words
from portal.strategic_plan.models import Goal, StudentGroup
from portal.strategic_plan.translations import group_name, plan_text


@dataclass
class Vocabulary:
    """The codes a filter may take, in the plan's order."""

    goals: list = field(default_factory=list)  # Goal objects with their metrics loaded
    groups: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    levels: tuple = LEVEL_ORDER

    @classmethod
    def load(cls) -> "Vocabulary":
        goals = db.session.scalars(select(Goal).order_by(Goal.number).options(selectinload(Goal.metrics))).all()
        groups = db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)).all()
        regions = db.session.scalars(select(Region).order_by(Region.name)).all()
        return cls(list(goals), list(groups), list(regions))

    @property
    def metrics(self) -> list:
        return [m for g in self.goals for m in g.metrics]

    def metric(self, code: str):
        return next((m for m in self.metrics if m.code == code), None)

    def goal(self, code: str):
        return next((g for g in self.goals if g.code == code), None)

    def group(self, code: str):
        return next((g for g in self.groups if g.code == code), None)

    def region(self, code: str):
        return next((r for r in self.regions if r.code == code), None)


@dataclass
class DashboardFilter:
    region: str = ""
    goal: str = ""  # a goal's code (all its metrics) or one metric's code
    level: str = ""
    group: str = ""

    @classmethod
    def from_args(cls, args, vocab: Vocabulary) -> "DashboardFilter":
        """Unknown codes are dropped (a stale or mistyped link shows the district, not an error)."""
        region = (args.get("region") or "").strip()
        goal = (args.get("goal") or "").strip()
        level = (args.get("level") or "").strip()
        group = (args.get("group") or "").strip()
        return cls(region=region if vocab.region(region) else "",
                   goal=goal if (vocab.goal(goal) or vocab.metric(goal)) else "",
                   level=level if level in LEVEL_ORDER else "",
                   group=group if vocab.group(group) else "")

    def as_args(self, **changes) -> dict:
        values = {"region": self.region, "goal": self.goal, "level": self.level, "group": self.group, **changes}
        return {k: v for k, v in values.items() if v}

    def metric_codes(self, vocab: Vocabulary) -> list[str]:
        """The metrics the filter keeps: one metric, a goal's metrics, or all of them."""
        if vocab.metric(self.goal):
            return [self.goal]
        goal = vocab.goal(self.goal)
        if goal is not None:
            return [m.code for m in goal.metrics]
        return [m.code for m in vocab.metrics]

    def focus_metrics(self, vocab: Vocabulary) -> list[str]:
        """The metrics whose path over the years is drawn: the filter's, or A-G when none is chosen."""
        if self.goal:
            return self.metric_codes(vocab)
        return [vocab.metrics[0].code] if vocab.metrics else []

    @property
    def shown_group(self) -> str:
        """The group the headline cards and region tables are for: the chosen one, or schoolwide."""
        return self.group or "all"

    @property
    def narrowed(self) -> bool:
        return bool(self.region or self.goal or self.level or self.group)

    def describe(self, vocab: Vocabulary) -> Markup:
        """What the filters keep, in the page's language: 'Central, A-G, middle level, English Learners'."""
        parts = []
        if self.region:
            parts.append(i18n.english(vocab.region(self.region).name))
        if self.goal:
            metric = vocab.metric(self.goal)
            parts.append(words.metric_short(metric) if metric is not None else
                         plan_text("goal", self.goal, "name", vocab.goal(self.goal).name))
        if self.level:
            parts.append(gettext("%(level)s level", level=words.level_name(self.level).lower()))
        if self.group:
            parts.append(group_name(vocab.group(self.group)))
        return Markup(", ").join(parts) if parts else Markup(gettext("the whole district"))
