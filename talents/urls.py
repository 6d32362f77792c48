from django.urls import path

from . import registries, views

app_name = "talents"
urlpatterns = [
    *registries.talents.urls(),
    *registries.enterprises.urls(),
    *registries.enterprise_years.urls(),
    *registries.teams.urls(),
    *registries.service_requests.urls(),
    path("employer-lookup/", views.employer_lookup, name="employer_lookup"),
    path("service-queue/", views.service_queue, name="service_queue"),
    path("service-requests/<int:pk>/status/", views.service_request_status, name="servicerequest_status"),
]
