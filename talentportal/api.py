"""The REST API's shared parts and its router: /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from assessments.api import (
    AssesseeViewSet,
    EventViewSet,
    IndicatorViewSet,
    MarkViewSet,
    SchemeViewSet,
    SubmissionViewSet,
    TargetViewSet,
)
from cockpit.api import DashboardView
from plans.api import PlanActualViewSet, PlanIndicatorViewSet, PlanTargetViewSet, PlanViewSet
from platforms.api import PlatformViewSet, PlatformYearViewSet, ResidencyViewSet
from programs.api import BatchViewSet, ProgramViewSet, SelectionViewSet, TrancheViewSet
from talentportal.jobs.api import ImportViewSet, JobViewSet, ReportViewSet, ValueMappingViewSet
from talentportal.orgs.api import OrgUnitViewSet, UserViewSet
from talentportal.security import AnonRateThrottle, lockout_message, lockout_seconds
from talents.api import EnterpriseViewSet, EnterpriseYearViewSet, ServiceRequestViewSet, TalentViewSet, TeamViewSet


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for ``Authorization: Token …``. Sign-in lock-outs hold here as
    on the sign-in page: failures count towards them, and a locked-out caller is told so (429), not that the
    password is wrong."""

    throttle_classes = [AnonRateThrottle]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given (this DRF request) when the attempt is locked out.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()}, status=429, headers={"Retry-After": str(lockout_seconds())}
                )
            raise


class SwaggerView(SpectacularSwaggerSplitView):
    """The API docs (Swagger UI) as the Content-Security-Policy allows them: the start-up script comes from
    this view's ``?script`` URL instead of being written into the page, and the page has no inline style."""

    template_name = "api/swagger_ui.html"


router = DefaultRouter()
router.register("org-units", OrgUnitViewSet, basename="orgunit")
router.register("users", UserViewSet, basename="user")
router.register("jobs", JobViewSet, basename="job")
router.register("imports", ImportViewSet, basename="import")
router.register("value-mappings", ValueMappingViewSet, basename="valuemapping")
router.register("reports", ReportViewSet, basename="report")
router.register("talents", TalentViewSet, basename="talent")
router.register("teams", TeamViewSet, basename="team")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("enterprise-years", EnterpriseYearViewSet, basename="enterpriseyear")
router.register("service-requests", ServiceRequestViewSet, basename="servicerequest")
router.register("platforms", PlatformViewSet, basename="platform")
router.register("platform-years", PlatformYearViewSet, basename="platformyear")
router.register("residencies", ResidencyViewSet, basename="residency")
router.register("programs", ProgramViewSet, basename="program")
router.register("batches", BatchViewSet, basename="batch")
router.register("selections", SelectionViewSet, basename="selection")
router.register("tranches", TrancheViewSet, basename="tranche")
router.register("assessment-schemes", SchemeViewSet, basename="assessmentscheme")
router.register("assessment-assessees", AssesseeViewSet, basename="assessmentassessee")
router.register("assessment-indicators", IndicatorViewSet, basename="assessmentindicator")
router.register("assessment-targets", TargetViewSet, basename="assessmenttarget")
router.register("assessment-submissions", SubmissionViewSet, basename="assessmentsubmission")
router.register("assessment-marks", MarkViewSet, basename="assessmentmark")
router.register("assessment-events", EventViewSet, basename="assessmentevent")
router.register("plans", PlanViewSet, basename="plan")
router.register("plan-indicators", PlanIndicatorViewSet, basename="planindicator")
router.register("plan-targets", PlanTargetViewSet, basename="plantarget")
router.register("plan-actuals", PlanActualViewSet, basename="planactual")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("", include(router.urls)),
]
