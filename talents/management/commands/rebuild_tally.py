"""Recount the talent tally from the talent table, and copy every service request's talent's unit again: after
data was loaded with the database's triggers disabled (``pg_restore --disable-triggers``, a replica promoted
without them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from talents import tally
from talents.models import TalentTally


class Command(BaseCommand):
    help = "Recount the tally of talents landed per unit and year, and copy the service requests' units again."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            tally.rebuild(connection)
            tally.refresh_request_units(connection)
        self.stdout.write(f"{TalentTally.objects.count()} groups counted.")
