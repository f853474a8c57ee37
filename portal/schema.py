"""The whole schema: importing this module registers every domain's models with the metadata that
Flask-Migrate (and `flask db check`) compare with the migrations."""
from portal.cache import models as cache
from portal.kernel import audit
from portal.measures import models as measures
from portal.notifications import models as notifications
from portal.org import models as org
from portal.progress import models as progress
from portal.strategic_plan import models as strategic_plan
from portal.targets import models as targets

MODULES = (audit, org, notifications, strategic_plan, targets, progress, measures, cache)
