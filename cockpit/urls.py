from django.urls import path  # noqa: F401 - the cockpit's paths go here

app_name = "cockpit"
urlpatterns: list[object] = []
