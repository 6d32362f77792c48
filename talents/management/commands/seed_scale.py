from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from talents.scale import build


class Command(BaseCommand):
    help = (
        "Add a province-sized registry for benchmarks on top of what is stored: talents, enterprises with three "
        "years of figures, service requests. COPY on PostgreSQL, bulk_create elsewhere; no audit entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--talents", type=int, default=1_000_000, help="talents to add (default 1,000,000)")
        parser.add_argument("--enterprises", type=int, default=None, help="enterprises to add (default talents/20)")
        parser.add_argument(
            "--service-requests", type=int, default=None, help="service requests to add (default talents/20)"
        )
        parser.add_argument("--batch", type=int, default=20_000, help="rows per insert and transaction")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--writers",
            type=int,
            default=1,
            help="PostgreSQL connections writing batches in the background (default 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def log(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        counts = build(
            talents=options["talents"],
            enterprises=options["enterprises"],
            service_requests=options["service_requests"],
            batch=options["batch"],
            seed=options["seed"],
            writers=options["writers"],
            log=log,
        )
        seconds = counts["seconds"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {counts['talents']:,} talents, {counts['enterprises']:,} enterprises "
                f"({counts['enterprise_years']:,} yearly figures) and {counts['service_requests']:,} service requests "
                f"in {seconds:,.1f} s ({counts['talents'] / max(seconds, 1e-9):,.0f} talents/s overall)."
            )
        )
