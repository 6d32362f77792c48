from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RegistryConfig(AppConfig):
    name = "talentportal.registry"
    label = "registry"

    def ready(self) -> None:
        # Every process (web, worker, manage.py) knows every registry, whether or not it loads the URLconf: an
        # export job rebuilds its list from ``REGISTRIES``. Each app declares its own in ``registries.py``.
        autodiscover_modules("registries")
        # Likewise every registry metric (``metrics.py``): a scoring job asks ``talentportal.metrics.METRICS``.
        autodiscover_modules("metrics")
