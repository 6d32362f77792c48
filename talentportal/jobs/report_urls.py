from django.urls import path

from . import report_views as views

app_name = "reports"
urlpatterns = [
    path("", views.report_home, name="home"),
    path("<int:pk>/print/", views.report_print, name="print"),
    path("templates/", views.template_list, name="templates"),
    path("templates/default/<str:code>/", views.default_template_download, name="default_template"),
    path("templates/<int:pk>/download/", views.template_download, name="template_download"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
]
