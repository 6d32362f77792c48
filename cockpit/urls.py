from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns: list[object] = [
    path("", views.dashboard, name="dashboard"),
    path("rankings/", views.rankings_fragment, name="rankings"),
]
