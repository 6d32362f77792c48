"""What a plan indicator's status reads as, wherever one is shown (the cockpit, the plan's table, an indicator's
page): 超前 / 正常 / 滞后 / 缺数, and “no own target” for a unit below the plan's that has no target of its own.
``templates/plans/_status.html`` draws one as a badge (its colour in portal.css, ``plan-status-<status>``)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .figures import NOT_JUDGED
from .progress import AHEAD, BEHIND, MISSING, ON_TRACK

STATUS_LABELS: dict[str, Promise] = {
    AHEAD: _("Ahead"),
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    MISSING: _("No figure"),
    NOT_JUDGED: _("No own target"),
}
