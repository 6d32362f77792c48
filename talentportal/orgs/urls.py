from django.urls import path

from . import registries, views

app_name = "orgs"
urlpatterns = [
    *registries.org_units.urls(),
    *registries.users.urls(),
    path("users/<int:pk>/password/", views.user_set_password, name="user_password"),
]
