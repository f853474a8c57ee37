"""Load the Strategic Plan from seed/ into the database, idempotently.

Each record is matched on its natural key (a code, a number, or a parent and position) within
its plan: unchanged records are left alone, changed fields are updated, new ones are added and
ones that left the files are removed. load_plan() returns what it changed.

A folder describes one plan, known by its years (trajectories.yaml) and optionally its name
(profile.yaml `plan_name`). The district's regions, offices, school levels and student groups are
shared by every plan; a successor's folder may leave those files out.
"""
import csv
import os
from collections import Counter
from datetime import date

from portal.extensions import db
from portal.kernel import clock, plans
from portal.kernel.plans import StrategicPlan
from portal.org.models import Office, Region
from portal.strategic_plan import settings
from portal.strategic_plan.models import (
    Baseline,
    BoardMeeting,
    BoardUpdateKind,
    CoreBelief,
    Goal,
    GraduateAttribute,
    Measure,
    Metric,
    Pillar,
    PlanSetting,
    Priority,
    Resource,
    SchoolLevel,
    Strategy,
    StudentGroup,
    Trajectory,
)
from portal.strategic_plan.seed_files import SeedError, Upserter, read_yaml


def load_plan(seed_dir: str, name: str | None = None) -> Counter:
    """Load every seed file of one plan and flush; the caller commits, so a bad file changes nothing.

    The plan is the one called `name`, or else the one with the folder's years; a plan met for the
    first time is added (and made current when no plan is current yet)."""
    up = Upserter()
    try:
        plan = _plan_for(up, seed_dir, name)
        with plans.working_on(plan):
            _load_settings_and_profile(up, seed_dir)
            _load_org(up, seed_dir)
            metric_ids, group_ids = _load_goals(up, seed_dir)
            _load_baselines(up, seed_dir, metric_ids, group_ids)
            _load_pillars(up, seed_dir)
            _load_measure_owners(up, seed_dir)
            _load_trajectories(up, seed_dir)
            _load_board_calendar(up, seed_dir)
            db.session.flush()
    except (KeyError, TypeError, ValueError) as exc:
        db.session.rollback()
        plans.forget()
        if isinstance(exc, SeedError):
            raise
        raise SeedError(f"seed data is malformed: {exc!r}") from exc
    db.session.flush()
    settings.forget()
    plans.forget()
    return up.changes


def _identity(seed_dir: str, name: str | None) -> tuple[str, str, list[str]]:
    """The plan a folder describes: (code, name, school years)."""
    years = [str(y) for y in (read_yaml(seed_dir, "trajectories.yaml") or {}).get("years") or []]
    if not years:
        raise SeedError("trajectories.yaml: list the plan's school years under `years`")
    profile = read_yaml(seed_dir, "profile.yaml") or {}
    code = f"{years[0][:4]}-{years[-1][5:7]}"
    span = f"{years[0][:4]}–{years[0][:2]}{years[-1][5:7]}"
    name = (name or profile.get("plan_name") or "").strip() or f"Strategic Plan {span}"
    return code, name, years


def plan_for_folder(seed_dir: str, name: str | None = None) -> StrategicPlan:
    """The plan loaded from a folder (by name, else by its years)."""
    code, name, _ = _identity(seed_dir, name)
    everyone = db.session.scalars(db.select(StrategicPlan)).all()
    plan = next((p for p in everyone if p.name == name), None) or next((p for p in everyone if p.code == code), None)
    if plan is None:
        raise SeedError(f"{seed_dir}: no plan has been loaded from it")
    return plan


def _plan_for(up: Upserter, seed_dir: str, name: str | None) -> StrategicPlan:
    code, name, years = _identity(seed_dir, name)
    calendar = read_yaml(seed_dir, "board_calendar.yaml") or {}
    adopted = calendar.get("plan_approved")
    if adopted is not None and not isinstance(adopted, date):
        adopted = date.fromisoformat(str(adopted))
    wanted = {"code": code, "first_year": years[0], "last_year": years[-1], "folder": os.path.abspath(seed_dir),
              "adopted_on": adopted}
    everyone = db.session.scalars(db.select(StrategicPlan)).all()
    plan = next((p for p in everyone if p.name == name), None) or next((p for p in everyone if p.code == code), None)
    if plan is not None and not plan.is_current and plan.ended(clock.today()) and any(p.is_current for p in everyone):
        raise SeedError(f"{plan.name} has ended and is kept as it was: its seed can no longer be loaded.")
    if plan is None:
        plan = StrategicPlan(name=name, is_current=not any(p.is_current for p in everyone), **wanted)
        db.session.add(plan)
        up.changes["strategic_plan added"] += 1
    else:
        clash = next((p for p in everyone if p.code == code and p is not plan), None)
        if clash is not None:
            raise SeedError(f"{seed_dir}: its years ({years[0]} to {years[-1]}) are those of {clash.name}")
        changed = plan.name != name or any(getattr(plan, k) != v for k, v in wanted.items() if k != "folder")
        plan.name = name
        for key, value in wanted.items():
            setattr(plan, key, value)
        if changed:
            up.changes["strategic_plan updated"] += 1
    db.session.flush()
    return plan


def _setting(up: Upserter, key: str, value):
    obj = db.session.scalar(db.select(PlanSetting).where(PlanSetting.key == key))
    if obj is None:
        db.session.add(PlanSetting(key=key, value=value))
        up.changes["plan_setting added"] += 1
    elif obj.value != value:
        obj.value = value
        up.changes["plan_setting updated"] += 1


def _load_settings_and_profile(up: Upserter, seed_dir: str):
    profile = read_yaml(seed_dir, "profile.yaml")
    for key in ("singular_goal", "mission", "vision", "theory_of_action"):
        if key in profile:
            _setting(up, key, profile[key])
    attrs = profile["graduate_profile"]["attributes"]
    for position, attr in enumerate(attrs, start=1):
        up.upsert(GraduateAttribute, {"position": position}, {"name": attr["name"], "bullets": list(attr["bullets"])})
    for obj in db.session.scalars(db.select(GraduateAttribute).where(GraduateAttribute.position > len(attrs))):
        db.session.delete(obj)
    beliefs = profile["core_beliefs"]
    for position, belief in enumerate(beliefs, start=1):
        up.upsert(CoreBelief, {"position": position}, {"name": belief["name"], "text": belief["text"].strip()})
    for obj in db.session.scalars(db.select(CoreBelief).where(CoreBelief.position > len(beliefs))):
        db.session.delete(obj)


def _shared(seed_dir: str, name: str) -> bool:
    """The district-wide files are required of the first plan; a successor may leave them out."""
    return os.path.exists(os.path.join(seed_dir, name)) or not plans.all_plans()[1:]


def _load_org(up: Upserter, seed_dir: str):
    if _shared(seed_dir, "regions.yaml"):
        for region in read_yaml(seed_dir, "regions.yaml")["regions"]:
            up.upsert(Region, {"code": region["code"]}, {"name": region["name"], "short_name": region["short_name"]})
    if _shared(seed_dir, "offices.yaml"):
        for office in read_yaml(seed_dir, "offices.yaml")["offices"]:
            up.upsert(Office, {"code": office["code"]}, {"name": office["name"]})
    if not _shared(seed_dir, "levels.yaml"):
        return
    levels = read_yaml(seed_dir, "levels.yaml")["levels"]
    for sort, level in enumerate(levels):
        band = level.get("band") or [None, None]
        up.upsert(SchoolLevel, {"code": level["code"]}, {
            "name": level["name"], "grades": str(level["grades"]), "band_low": band[0], "band_high": band[1],
            "sort": sort,
        })


def _load_goals(up: Upserter, seed_dir: str):
    data = read_yaml(seed_dir, "goals.yaml")
    _setting(up, "baseline_year", str(data["baseline_year"]))
    _setting(up, "target_year", str(data["target_year"]))
    metric_ids = {}
    for goal_data in data["goals"]:
        goal = up.upsert(Goal, {"code": goal_data["code"]}, {
            "number": int(goal_data["number"]), "name": goal_data["name"],
            "headline": str(goal_data["headline"]), "statement": goal_data["statement"].strip(),
        })
        db.session.flush()
        for position, m in enumerate(goal_data["metrics"]):
            metric = up.upsert(Metric, {"code": m["code"]}, {
                "goal_id": goal.id, "position": position, "name": m["name"], "short_name": m["short_name"],
                "measure": m.get("measure", ""), "unit": m["unit"], "direction": m.get("direction", "up"),
                "target_kind": m["target_kind"], "target_value": float(m["target_value"]),
                "group_gain": float(m["group_gain"]), "group_gain_reading": m.get("group_gain_reading", "points"),
                "levels": list(m["levels"]), "value_min": float(m["value_min"]), "value_max": float(m["value_max"]),
                "source": m.get("source", ""),
            })
            db.session.flush()
            metric_ids[m["code"]] = metric.id
    group_ids = {}
    if not _shared(seed_dir, "groups.yaml"):
        return metric_ids, {g.code: g.id for g in db.session.scalars(db.select(StudentGroup))}
    for g in read_yaml(seed_dir, "groups.yaml")["groups"]:
        group = up.upsert(StudentGroup, {"code": g["code"]}, {
            "name": g["name"], "short_name": g["short_name"], "targeted": bool(g["targeted"]), "sort": int(g["sort"]),
        })
        db.session.flush()
        group_ids[g["code"]] = group.id
    return metric_ids, group_ids


def _load_baselines(up: Upserter, seed_dir: str, metric_ids: dict, group_ids: dict):
    path = os.path.join(seed_dir, "baselines.csv")
    existing = {
        (b.metric_id, b.group_id, b.level, b.year): b
        for b in db.session.scalars(db.select(Baseline).where(Baseline.school_id.is_(None)))
    }
    seen = set()
    with open(path, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                key = (metric_ids[row["metric"]], group_ids[row["group"]], row["level"] or "", row["year"])
                value = float(row["value"])
            except (KeyError, ValueError) as exc:
                raise SeedError(f"baselines.csv line {line}: unknown metric/group or bad value ({exc})") from exc
            seen.add(key)
            obj = existing.get(key)
            values = {"value": value, "source": row.get("source") or ""}
            if obj is None:
                db.session.add(Baseline(metric_id=key[0], group_id=key[1], level=key[2], year=key[3],
                                        school_id=None, **values))
                up.changes["baseline added"] += 1
            elif obj.value != value or obj.source != values["source"]:
                obj.value, obj.source = value, values["source"]
                up.changes["baseline updated"] += 1
    for key, obj in existing.items():
        if key not in seen:
            db.session.delete(obj)
            up.changes["baseline removed"] += 1


def _num(block, field):
    return None if not block or block.get(field) is None else float(block[field])


def _load_pillars(up: Upserter, seed_dir: str):
    data = read_yaml(seed_dir, "pillars.yaml")
    keep_measures = set()
    results: dict[str, dict] = {}
    readings: dict[str, list[str]] = {}
    for p in data["pillars"]:
        pillar = up.upsert(Pillar, {"number": int(p["number"])}, {
            "name": p["name"], "tagline": p.get("tagline", ""), "description": (p.get("description") or "").strip(),
        })
        db.session.flush()
        for pr in p["priorities"]:
            priority = up.upsert(Priority, {"code": str(pr["code"])}, {
                "pillar_id": pillar.id, "name": pr["name"], "our_priority": pr["our_priority"].strip(),
                "why_this_matters": pr["why_this_matters"].strip(),
            })
            db.session.flush()
            up.sync_children(Strategy, "priority_id", priority.id, [{"text": s.strip()} for s in pr["strategies"]])
            up.sync_children(Resource, "priority_id", priority.id,
                             [{"name": r.strip()} for r in pr.get("resources") or []])
            for position, m in enumerate(pr["measures"], start=1):
                measure = up.upsert(Measure, {"code": str(m["code"])}, {
                    "priority_id": priority.id, "position": position, "text": m["text"].strip(),
                    "unit": m.get("unit", "text"), "direction": m.get("direction", "increase"),
                    "baseline_value": _num(m.get("baseline"), "value"),
                    "baseline_year": (m.get("baseline") or {}).get("year"),
                    "target_value": _num(m.get("target"), "value"),
                    "target_kind": (m.get("target") or {}).get("kind") or "level",
                    "target_per": (m.get("target") or {}).get("per") or "",
                    "subtargets": measure_lines(m),
                })
                db.session.flush()
                keep_measures.add(measure.id)
                results.update({str(m["code"]): fed} if (fed := result_lines(m)) else {})
                readings.update({str(m["code"]): said} if (said := open_readings(m)) else {})
    up.remove_missing(Measure, keep_measures)
    _setting(up, "measure_results", results)
    _setting(up, "measure_readings", readings)


def measure_lines(m: dict) -> list[dict]:
    """The measure's sub-targets: the plan's sub-bullets, then one per number of a sentence stating
    several (the `baselines` and `targets` lists, matched by label; a single baseline or target of
    the measure stands for every label that has none of its own)."""
    subs = [dict(s) for s in m.get("subtargets") or []]
    listed: dict[str, dict] = {}
    for b in m.get("baselines") or []:
        listed.setdefault(str(b["label"]), {})["baseline"] = {"value": float(b["value"]), "year": b.get("year")}
    for t in m.get("targets") or []:
        listed.setdefault(str(t["label"]), {})["target"] = {
            k: t[k] for k in ("value", "kind", "per", "ambiguous") if t.get(k) is not None}
        if t.get("unit"):
            listed[str(t["label"])]["unit"] = t["unit"]
    for label, parts in listed.items():
        sub = {"label": label, "text": label, "listed": True, **parts}
        if "target" not in sub and m.get("target"):
            sub["target"] = dict(m["target"])
        if "baseline" not in sub and m.get("baseline"):
            sub["baseline"] = dict(m["baseline"])
        subs.append(sub)
    return subs


def result_lines(m: dict) -> dict:
    """Which of the measure's lines take the district's results: line label ("" for the measure
    itself) -> {"metric": District Goal metric code, "level": school level or ""}."""
    lines = {}
    for label, block in [("", m), *((str(s.get("label", "")), s) for s in m.get("subtargets") or [])]:
        if block.get("results"):
            lines[label] = {"metric": str(block["results"]["metric"]), "level": block["results"].get("level") or ""}
    return lines


def open_readings(m: dict) -> list[str]:
    """How the portal reads each target whose wording leaves the reading open."""
    said, stated = [], set()
    for label, target in [("", m.get("target") or {}),
                          *((str(t.get("label", "")), t) for t in m.get("targets") or []),
                          *((str(s.get("label", "")), s.get("target") or {}) for s in m.get("subtargets") or [])]:
        if not target.get("ambiguous") or (label and (target.get("value"), target.get("kind")) in stated):
            continue
        if not label:
            stated.add((target.get("value"), target.get("kind")))
        amount = f"{float(target['value']):g}%"
        where = f"{label}: " if label else ""
        if target.get("kind") == "percent_change":
            said.append(f"{where}the plan's \"{amount}\" is read as a relative rise ({amount} of the baseline "
                        "figure), not as percentage points.")
        else:
            said.append(f"{where}the plan's \"{amount}\" is read as {float(target['value']):g} percentage points "
                        "added to the baseline, not as a relative rise.")
    return said


def _load_measure_owners(up: Upserter, seed_dir: str):
    data = read_yaml(seed_dir, "measure_owners.yaml")
    offices = {o.code: o.id for o in db.session.scalars(db.select(Office))}
    by_priority = {str(k): v for k, v in data["by_priority"].items()}
    by_measure = {str(k): v for k, v in (data.get("by_measure") or {}).items()}
    for measure, priority_code in db.session.execute(db.select(Measure, Priority.code).join(Priority)).all():
        code = by_measure.get(measure.code, by_priority.get(priority_code))
        if code not in offices:
            raise SeedError(f"measure_owners.yaml: no office {code!r} for {measure.code}")
        if measure.owner_office_id != offices[code]:
            measure.owner_office_id = offices[code]
            up.changes["measure owner updated"] += 1
    feeds = [{k: str(f.get(k) or "") for k in ("measure", "initiative", "metric", "breakdown")}
             for f in data.get("feeds") or []]
    _setting(up, "measure_feeds", feeds)


def _load_trajectories(up: Upserter, seed_dir: str):
    data = read_yaml(seed_dir, "trajectories.yaml")
    years = [str(y) for y in data["years"]]
    _setting(up, "trajectory_years", years)
    for position, t in enumerate(data["trajectories"]):
        shares = [float(s) for s in t["shares"]]
        rising = all(a <= b for a, b in zip(shares, shares[1:], strict=False))
        if len(shares) != len(years) or not rising or shares[-1] != 1.0:
            raise SeedError(f"trajectories.yaml: {t['code']} needs {len(years)} rising shares ending at 1.0")
        up.upsert(Trajectory, {"code": t["code"]}, {
            "name": t["name"], "description": t.get("description", ""), "shares": shares, "position": position,
        })


def _load_board_calendar(up: Upserter, seed_dir: str):
    data = read_yaml(seed_dir, "board_calendar.yaml")
    for position, k in enumerate(data["kinds"]):
        up.upsert(BoardUpdateKind, {"code": k["code"]}, {
            "name": k["name"], "month": int(k["month"]), "season": str(k["season"]), "position": position,
        })
    db.session.flush()
    for m in data.get("meetings") or []:
        when = m["date"] if isinstance(m["date"], date) else date.fromisoformat(str(m["date"]))
        up.upsert(BoardMeeting, {"kind_code": m["kind"], "school_year": str(m["school_year"])}, {"date": when})
    if data.get("plan_approved"):
        _setting(up, "plan_approved", str(data["plan_approved"]))
