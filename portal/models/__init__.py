"""All models, importable from one place."""
from .org import LEVELS, ROLE_SCOPE, UNUSABLE_PASSWORD, Office, Region, Role, School, User  # noqa: F401
from .plan import (  # noqa: F401
    Baseline,
    BoardMeeting,
    BoardUpdateKind,
    CoreBelief,
    Goal,
    GraduateAttribute,
    Measure,
    MeasureValue,
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
from .audit import AuditEvent, Notice  # noqa: F401,E402
from .targets import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan, WindowExtension  # noqa: F401,E402
from .initiatives import (  # noqa: F401,E402
    STAGE_NAMES, BoardUpdate, CheckIn, DataReviewMeeting, Initiative, MetricValue, Progress, ProgressMetric, Stage,
)
from .rollups import Actual, DataStamp, RollupCache  # noqa: F401,E402
