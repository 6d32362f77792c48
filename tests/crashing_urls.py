"""The portal's URLconf with one view that fails, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from talentportal.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("crash on purpose")


urlpatterns = [*urlpatterns, path("crash/", crash)]
