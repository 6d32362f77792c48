from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("check/", views.job_check_workers, name="check"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/download/<str:which>/", views.job_download, name="download"),
]
