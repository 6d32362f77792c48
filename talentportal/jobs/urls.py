from django.urls import path

from . import import_views, views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("check/", views.job_check_workers, name="check"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/download/<str:which>/", views.job_download, name="download"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/mappings/", import_views.mapping_list, name="mapping_list"),
    path("imports/mappings/<int:pk>/delete/", import_views.mapping_delete, name="mapping_delete"),
    path("imports/template/<str:kind>/", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", import_views.import_apply_view, name="import_apply"),
    path("imports/<int:pk>/undo/", import_views.import_undo_view, name="import_undo"),
    path("imports/<int:pk>/mappings/", import_views.import_map_view, name="import_map"),
    path("imports/<int:pk>/errors/", import_views.import_download, name="import_errors"),
]
