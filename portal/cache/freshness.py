"""What the stored rollups are computed from, and which changes make them stale.

The database keeps two counters (DataStamp rows), moved by its own triggers in the same transaction
as the change, whoever writes it (the portal, an import, a console):

- ROLLUPS moves on any change to a watched table that a rollup counts: every table below, except that
  a target or target plan still in the principal's hands (not started, draft, returned) moves DRAFTS
  instead, as long as its status stays the same.
- DRAFTS moves on those draft-only changes: a principal's autosave.

The district dashboard, the public page and the peer spread on the target form count submitted and
approved targets only, so they read ROLLUPS alone and a draft autosave leaves them fresh. A region's
page, whose school table shows every school's targets as typed, reads both.
The triggers are created by the migrations (5e1f0c2a9b7d, then 7b2d4e6f8a10 for the draft rule); a
test checks that every table named here has its triggers in the database.
"""
ROLLUPS = "rollups"
DRAFTS = "drafts"

# Every table the stored rollups are computed from.
WATCHED = ("target_plan", "target", "actual", "baseline", "check_in", "school", "region", "target_cycle",
           "metric", "goal", "student_group", "school_level", "plan_setting", "trajectory", "initiative",
           "office", "pillar", "priority")
# Tables whose rows may belong to a plan still in the principal's hands.
DRAFT_AWARE = ("target", "target_plan")
# Plan statuses the rollups count; a change to a plan in any other status is a draft change.
COUNTED_STATUSES = ("submitted", "approved")
