from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Annual assessment")

    def ready(self) -> None:
        from . import tabs  # noqa: F401 - adds the workflow tab to the scheme's registry page
