"""All models, importable from one place."""
from portal.org.models import LEVELS, ROLE_SCOPE, UNUSABLE_PASSWORD, Office, Region, Role, School, User  # noqa: F401
from portal.strategic_plan.models import Baseline, BoardMeeting, BoardUpdateKind, CoreBelief, Goal, GraduateAttribute, Measure, MeasureValue, Metric, Pillar, PlanSetting, Priority, Resource, SchoolLevel, Strategy, StudentGroup, Trajectory
from portal.kernel.audit import AuditEvent, Notice  # noqa: F401,E402
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan, WindowExtension  # noqa: F401,E402
from portal.progress.models import STAGE_NAMES, BoardUpdate, CheckIn, DataReviewMeeting, Initiative, MetricValue, Progress, ProgressMetric, Stage
from portal.rollups.models import Actual, DataStamp, RollupCache  # noqa: F401,E402
