from django.apps import AppConfig


class ReportKindsConfig(AppConfig):
    """Report kinds only the tests run (installed by the test settings, so test workers know them too)."""

    name = "tests.reportkinds"
    label = "reportkinds"
