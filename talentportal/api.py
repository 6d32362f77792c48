"""The REST API's shared parts and its router: /api/v1/."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from platforms.api import PlatformViewSet, PlatformYearViewSet, ResidencyViewSet
from programs.api import BatchViewSet, ProgramViewSet, SelectionViewSet, TrancheViewSet
from talentportal.jobs.api import ImportViewSet, JobViewSet
from talentportal.orgs.api import OrgUnitViewSet, UserViewSet
from talents.api import EnterpriseViewSet, EnterpriseYearViewSet, ServiceRequestViewSet, TalentViewSet, TeamViewSet


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for ``Authorization: Token …``."""

    throttle_classes = [AnonRateThrottle]


router = DefaultRouter()
router.register("org-units", OrgUnitViewSet, basename="orgunit")
router.register("users", UserViewSet, basename="user")
router.register("jobs", JobViewSet, basename="job")
router.register("imports", ImportViewSet, basename="import")
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

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
