from django.urls import path  # noqa: F401 - the pages' own paths follow the registries'

from . import registries

app_name = "assessments"
urlpatterns: list[object] = [
    # The registries' pages (schemes, indicators, assessees, targets, submissions, marks, events).
    *registries.schemes.urls(),
    *registries.indicators.urls(),
    *registries.assessees.urls(),
    *registries.targets.urls(),
    *registries.submissions.urls(),
    *registries.marks.urls(),
    *registries.events.urls(),
    # The workflow and results pages.
]
