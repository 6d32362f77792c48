from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "talentportal.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Every process (web, worker, beat) knows every report kind: each app declares its own in ``reports.py``.
        autodiscover_modules("reports")
