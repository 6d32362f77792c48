from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Talent programs")

    def ready(self) -> None:
        # The talent page shows the talent's programs; the talent registry itself knows nothing of programs.
        from talentportal.registry.base import Tab
        from talents.views import talents, teams

        from .views import applicant_programs

        for registry, field in ((talents, "talent"), (teams, "team")):
            registry.tabs.append(
                Tab("programs", _("Talent programs"), "programs/_applicant_programs.html", applicant_programs(field))
            )
