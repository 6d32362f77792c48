from django.urls import path  # noqa: F401 - the pages' paths go here

app_name = "plans"
urlpatterns: list[object] = [
    # The plan's pages (views.py): the indicator table, an indicator's page.
    # The registries' pages (registries.py): plans, indicators, targets, actuals.
]
