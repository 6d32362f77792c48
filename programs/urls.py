from django.urls import path

from . import registries, views

app_name = "programs"
urlpatterns = [
    *registries.programs.urls(),
    *registries.batches.urls(),
    *registries.selections.urls(),
    *registries.tranches.urls(),
    path("batches/<int:pk>/transition/", views.batch_transition, name="batch_transition"),
    path("selections/<int:pk>/transition/", views.selection_transition, name="selection_transition"),
    path("selections/<int:pk>/tranches/", views.tranche_add, name="tranche_add"),
    path("tranches/<int:pk>/action/", views.tranche_action, name="tranche_action"),
    path("tranches/<int:pk>/terms/", views.tranche_terms, name="tranche_terms"),
    path("funding/", views.funding, name="funding"),
]
