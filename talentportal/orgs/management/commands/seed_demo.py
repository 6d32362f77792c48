from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from assessments.demo import seed_assessments
from plans.demo import seed_plans
from platforms.demo import seed_platforms
from programs.demo import landings, seed_programs
from talentportal.orgs.demo import USERS, seed
from talents.demo import seed_registry


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo city, its org units and demo users, and the demo registry (enterprises, "
        "talents, teams, service requests), the demo platforms, the demo talent programs, the demo assessments and the demo plans. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins"]:
            self.print_logins()
            return
        today = timezone.localdate()
        counts = seed() | seed_registry(today, landings=landings(today)) | seed_platforms(today) | seed_programs(today)
        # The assessments score the registry, the platforms and the programs: they come last.
        counts |= seed_assessments(today)
        # The plans count the registry's figures too (the 十五五 baselines).
        counts |= seed_plans(today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {counts['org_units']} new org units, {counts['users']} new users, "
                f"{counts['enterprises']} new enterprises ({counts['enterprise_years']} yearly figures), "
                f"{counts['talents']} new talents, {counts['teams']} new teams, "
                f"{counts['service_requests']} new service requests, {counts['platforms']} new platforms "
                f"({counts['platform_years']} yearly figures, {counts['residencies']} residencies), "
                f"{counts['programs']} new talent programs ({counts['batches']} batches, {counts['selections']} "
                f"selections with {counts['selection_events']} events, {counts['tranches']} funding tranches), "
                f"{counts['assessment_schemes']} new assessment schemes, {counts['plans']} new plans "
                f"({counts['plan_indicators']} indicators, {counts['plan_actuals']} yearly actuals)."
            )
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("Demo logins (password from DEMO_PASSWORD, default demo-pass-2026):")
        for username, display_name, code, role, _superuser in USERS:
            self.stdout.write(f"  {username:<16} {display_name} ({code}, {role})")
        if settings.DEMO_PASSWORD == "demo-pass-2026":  # noqa: S105 - the documented default
            self.stdout.write("  password: demo-pass-2026")
