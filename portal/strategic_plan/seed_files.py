"""What every seed loader shares: reading a seed file, the error that names the file and the place,
and inserting or updating records by their natural key while counting what changed."""
import os
from collections import Counter

import yaml

from portal.extensions import db


class SeedError(ValueError):
    """A seed file is missing or malformed; the message names the file and the place."""


def read_yaml(seed_dir: str, name: str):
    path = os.path.join(seed_dir, name)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise SeedError(f"{name}: file not found in {seed_dir}") from exc
    except yaml.YAMLError as exc:
        raise SeedError(f"{name}: not valid YAML ({exc})") from exc


_LOOKUP = object()


class Upserter:
    """Insert-or-update by key, counting what actually changed."""

    def __init__(self):
        self.changes: Counter[str] = Counter()

    def upsert(self, model, key: dict, values: dict, existing=_LOOKUP):
        """`existing` is the record already loaded by the caller (or None if known absent)."""
        obj = db.session.scalar(db.select(model).filter_by(**key)) if existing is _LOOKUP else existing
        if obj is None:
            obj = model(**key, **values)
            db.session.add(obj)
            self.changes[f"{model.__tablename__} added"] += 1
            return obj
        changed = False
        for field, value in values.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed = True
        if changed:
            self.changes[f"{model.__tablename__} updated"] += 1
        return obj

    def remove_missing(self, model, keep_ids: set, **scope):
        stmt = db.select(model).filter_by(**scope)
        for obj in db.session.scalars(stmt):
            if obj.id not in keep_ids:
                db.session.delete(obj)
                self.changes[f"{model.__tablename__} removed"] += 1

    def sync_children(self, model, parent_field: str, parent_id: int, rows: list[dict]):
        """Children kept by position under one parent (strategies, resources)."""
        existing = {o.position: o for o in db.session.scalars(db.select(model).filter_by(**{parent_field: parent_id}))}
        for position, values in enumerate(rows, start=1):
            self.upsert(model, {parent_field: parent_id, "position": position}, values, existing.get(position))
        for position, obj in existing.items():
            if position > len(rows):
                db.session.delete(obj)
                self.changes[f"{model.__tablename__} removed"] += 1
