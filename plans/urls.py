from django.urls import path

from talentportal.registry.views import RegistryDetailView

from . import registries, views

app_name = "plans"
urlpatterns: list[object] = [
    # The plan's pages: the indicator table, an indicator's page.
    path("", views.plans_home, name="plans_home"),
    path("<int:pk>/table/", views.plan_table, name="plan_table"),
    path("indicators/<int:pk>/", views.indicator_page, name="indicator_page"),
    # The registries' pages (registries.py): plans, indicators, targets, actuals. An indicator's page above is
    # its chart and table; its record (fields and history) has a path of its own.
    *registries.plans.urls(),
    *[p for p in registries.indicators.urls() if p.name != "indicator_detail"],
    path(
        "indicators/<int:pk>/record/",
        RegistryDetailView.as_view(registry=registries.indicators),
        name="indicator_detail",
    ),
    *registries.targets.urls(),
    *registries.actuals.urls(),
]
