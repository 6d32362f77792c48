from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    *views.org_units.urls(),
    *views.users.urls(),
    path("users/<int:pk>/password/", views.user_set_password, name="user_password"),
]
