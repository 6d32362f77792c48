from django.urls import path

from . import registries, views

app_name = "assessments"
urlpatterns: list[object] = [
    # The workflow and results pages; a submission's page is the workflow's (it shadows the registry's detail).
    path("", views.dashboard, name="dashboard"),
    path("schemes/<int:pk>/results/<int:assessee_id>/", views.result_detail, name="result_detail"),
    path("schemes/<int:pk>/transition/", views.scheme_transition, name="scheme_transition"),
    path("schemes/<int:pk>/copy/", views.scheme_copy, name="scheme_copy"),
    path("schemes/<int:pk>/targets/", views.targets_grid, name="targets_grid"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    # The registries' pages (schemes, indicators, assessees, targets, submissions, marks, events).
    *registries.schemes.urls(),
    *registries.indicators.urls(),
    *registries.assessees.urls(),
    *registries.targets.urls(),
    *registries.submissions.urls(),
    *registries.marks.urls(),
    *registries.events.urls(),
]
