from django.urls import path  # noqa: F401 - the pages' own paths follow the registries'

app_name = "assessments"
urlpatterns: list[object] = [
    # The registries' pages (schemes, indicators, assessees, targets, submissions, marks, events).
    # The workflow and results pages.
]
