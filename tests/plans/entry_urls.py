"""The portal's URLconf with stand-ins for the pages where an actual is entered and corrected, so that the plan
pages' links to them can be tested whichever registry serves them."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, path

from plans import urls as plan_urls
from talentportal.urls import handler400, handler403, handler404, handler500
from talentportal.urls import urlpatterns as portal

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def stand_in(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return HttpResponse("")


plans = [
    *plan_urls.urlpatterns,
    path("stand-in/actuals/new/", stand_in, name="planactual_create"),
    path("stand-in/actuals/<int:pk>/edit/", stand_in, name="planactual_edit"),
]
urlpatterns = [
    *(p for p in portal if not (isinstance(p, URLResolver) and p.namespace == "plans")),
    path("plans/", include((plans, "plans"))),
]
