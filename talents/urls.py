from django.urls import path

from . import views

app_name = "talents"
urlpatterns = [
    *views.talents.urls(),
    *views.enterprises.urls(),
    *views.enterprise_years.urls(),
    *views.teams.urls(),
    *views.service_requests.urls(),
    path("employer-lookup/", views.employer_lookup, name="employer_lookup"),
    path("service-queue/", views.service_queue, name="service_queue"),
    path("service-requests/<int:pk>/status/", views.service_request_status, name="servicerequest_status"),
]
