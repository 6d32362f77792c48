from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    *views.platforms.urls(),
    *views.platform_years.urls(),
    *views.residencies.urls(),
    path("platforms/<int:pk>/revoke/", views.platform_revoke, name="platform_revoke"),
    path("overview/", views.platform_overview, name="overview"),
]
