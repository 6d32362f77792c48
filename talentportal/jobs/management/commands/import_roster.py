"""``import_roster KIND FILE --user NAME [--apply] [--keep-valid] [--clear-blanks]``: the import pipeline from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from talentportal.jobs.importing.reading import FileRefused
from talentportal.jobs.importing.services import CHECK, CHECK_APPLY, import_start, run
from talentportal.jobs.importing.spec import load_specs
from talentportal.jobs.models import Import, Job
from talentportal.orgs.models import User


class Command(BaseCommand):
    help = "Check a roster (the default) or apply it, as the given user; exits 0 only when nothing was wrong."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=sorted(load_specs()))
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the admin the import is done as (scope and audit)")
        parser.add_argument("--apply", action="store_true", help="write the rows (after checking them)")
        parser.add_argument("--keep-valid", action="store_true", help="write the valid rows even if others fail")
        parser.add_argument(
            "--clear-blanks",
            action="store_true",
            help="a blank cell clears the stored value (by default it leaves it as it is)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            with path.open("rb") as stream:
                imp = import_start(
                    kind=options["kind"],
                    upload=stream,
                    name=path.name,
                    size=path.stat().st_size,
                    keep_valid=options["keep_valid"],
                    clear_blanks=options["clear_blanks"],
                    acting_user=user,
                    queue=False,
                )
        except PermissionDenied:
            raise CommandError(f"{user} may not import: imports are for administrators.") from None
        except FileRefused as refusal:
            raise CommandError(refusal.message) from None
        assert imp.job is not None
        try:
            run(imp, CHECK_APPLY if options["apply"] else CHECK)
        except BaseException:
            imp.job.finish(Job.Status.FAILED)
            raise
        imp.refresh_from_db()
        imp.job.counts = imp.counts
        imp.job.finish(Job.Status.SUCCEEDED, imp.message)
        self.summary(imp)
        wrong = imp.status in (Import.Status.REFUSED, Import.Status.FAILED) or imp.counts.get("errors")
        if wrong:
            raise CommandError("the roster was not accepted as it is (see above)", returncode=1)

    def summary(self, imp: Import) -> None:
        write = self.stdout.write
        write(f"import #{imp.pk} {imp.kind} {imp.file_name}: {imp.get_status_display()}")
        if imp.message:
            write(imp.message)
        counts = imp.counts
        if counts:
            write(
                "rows {rows}  created {created}  updated {updated}  unchanged {unchanged}  errors {errors}".format(
                    **{k: counts.get(k, 0) for k in ("rows", "created", "updated", "unchanged", "errors")}
                )
            )
        if imp.blank_values:
            verb = "cleared" if imp.clear_blanks else "kept (--clear-blanks clears them)"
            write(f"stored values blank in the file: {imp.blank_values}, {verb}")
        for column in imp.columns.get("unknown", []):
            write(f"ignored column {column}")
        for note in imp.notes:
            write(note["message"])
        for error in imp.errors:
            write(f"row {error['row']} · {error['column']} · {error['value']!s}: {error['message']}")
