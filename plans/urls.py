from django.urls import path

from . import views

app_name = "plans"
urlpatterns: list[object] = [
    # The plan's pages: the indicator table, an indicator's page.
    path("", views.plans_home, name="plans_home"),
    path("<int:pk>/table/", views.plan_table, name="plan_table"),
    path("indicators/<int:pk>/", views.indicator_page, name="indicator_page"),
    # The registries' pages (registries.py): plans, indicators, targets, actuals.
]
