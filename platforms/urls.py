from django.urls import path

from . import registries, views

app_name = "platforms"
urlpatterns = [
    *registries.platforms.urls(),
    *registries.platform_years.urls(),
    *registries.residencies.urls(),
    path("platforms/<int:pk>/revoke/", views.platform_revoke, name="platform_revoke"),
    path("overview/", views.platform_overview, name="overview"),
]
