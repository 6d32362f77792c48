from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Talent programs")

    def ready(self) -> None:
        # The talent page shows the talent's programs; the talent registry itself knows nothing of programs.
        from talentportal.registry.base import Tab
        from talents.views import talents

        from .views import talent_programs_context

        talents.tabs.append(
            Tab("programs", _("Talent programs"), "programs/_talent_programs.html", talent_programs_context)
        )
