"""`make bench`: list pages and API lists at two sizes, against Django admin's changelist in the same run; a
100,000-row roster import through a real worker, against python-calamine and django-import-export; and scoring
assessment schemes at two registry sizes; the leads' cockpit at two registry sizes; the annual report, its workbook
and the quarterly form through a real worker at two registry sizes, and the workbook writer against openpyxl.

Prints a Markdown table (also written to var/bench-results.md, the imports also to var/bench-imports.md) for
docs/performance.md. Ratios, not absolute times, are what to compare across machines.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.harness import get_ok, machine_notes, median_ms, query_count, scratch_database


def bench_org_units(sizes: tuple[int, ...] = (10, 1000)) -> list[str]:
    from django.test import Client

    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User

    seed_org_units()
    admin = User.objects.create_superuser("bench", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=OrgUnit.objects.get(code="330400"), role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    county = OrgUnit.objects.get(code="330402")
    urls = {
        "org unit list page": "/orgs/units/",
        "org unit list page, search": "/orgs/units/?q=测试",
        "org unit API list": "/api/v1/org-units/",
        "Django admin changelist (baseline)": "/django-admin/orgs/orgunit/",
    }
    results: dict[str, dict[int, tuple[float, int]]] = {name: {} for name in urls}
    made = 0
    for size in sizes:
        OrgUnit.objects.bulk_create(
            [
                OrgUnit(
                    code=f"330402{9000 + i}",
                    name=f"测试单位{i}",
                    kind="town",
                    parent=county,
                    path=f"{county.path}330402{9000 + i}/",
                )
                for i in range(made, size)
            ]
        )
        made = size
        for name, url in urls.items():
            results[name][size] = (median_ms(get_ok(client, url)), query_count(client, url))
    lines = [
        f"| request | ms @ {sizes[0]} | ms @ {sizes[-1]} | ratio | queries @ {sizes[0]} | queries @ {sizes[-1]} |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_size in results.items():
        (small_ms, small_q), (big_ms, big_q) = by_size[sizes[0]], by_size[sizes[-1]]
        lines.append(f"| {name} | {small_ms:.1f} | {big_ms:.1f} | {big_ms / small_ms:.2f} | {small_q} | {big_q} |")
    return lines


def main() -> int:
    """``python -m benchmarks [orgs] [talents] [programs] [imports] [assessments] [cockpit] [reports] [--small N] [--large N]
    [--selections N N] [--roster N N] [--runs N] [--platforms N] [--profile-import N]``; no name runs them all."""
    import argparse

    from benchmarks.assessments import bench_assessments
    from benchmarks.cockpit import bench_cockpit
    from benchmarks.imports import bench_imports, profile_apply
    from benchmarks.programs import bench_programs
    from benchmarks.reports import bench_reports
    from benchmarks.talents import bench_talents

    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    names = ["orgs", "talents", "programs", "imports", "assessments", "cockpit", "reports"]
    # Not ``choices=``: Python 3.11's argparse checks an empty list against them and refuses a bare command.
    parser.add_argument("which", nargs="*", metavar="{" + ",".join(names) + "}", help="default: all of them")
    parser.add_argument("--small", type=int, default=10_000, help="talents in the small registry")
    parser.add_argument("--large", type=int, default=1_000_000, help="talents in the large registry")
    parser.add_argument(
        "--selections",
        type=int,
        nargs=2,
        default=(100, 10_000),
        metavar=("SMALL", "LARGE"),
        help="selections in the programs benchmark's batch, small and large (default 100 10000)",
    )
    parser.add_argument(
        "--roster",
        type=int,
        nargs=2,
        default=(100_000, 10_000),
        metavar=("LARGE", "SMALL"),
        help="rows in the imports benchmark's rosters, large and small (default 100000 10000)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="rounds of the imports benchmark's apply, floor and comparison; runs of each report (default 3)",
    )
    parser.add_argument(
        "--platforms", type=int, default=2_000, help="platforms in the assessments benchmark's scheme (default 2000)"
    )
    parser.add_argument(
        "--profile-import",
        type=int,
        metavar="ROWS",
        help="instead of benchmarking: apply a roster of ROWS in this process under cProfile (var/bench-imports/)",
    )
    args = parser.parse_args()
    unknown = [name for name in args.which if name not in names]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(names)})")
    if args.profile_import:
        with scratch_database():
            print("\n".join(profile_apply(args.profile_import)))
        return 0
    which = args.which or names
    lines = [f"Machine: {machine_notes()}"]
    if "orgs" in which:
        with scratch_database():
            lines += ["", "### Org units (extra rows below one county)", "", *bench_org_units()]
    if "talents" in which:
        with scratch_database():
            lines += ["", f"### Talents ({args.small:,} vs {args.large:,})", "", *bench_talents(args.small, args.large)]
    if "programs" in which:
        small, large = args.selections
        with scratch_database():
            lines += ["", f"### Talent programs ({small:,} vs {large:,} selections in one batch)", ""]
            lines += bench_programs(small, large)
    if "imports" in which:
        large, small = args.roster
        with scratch_database():
            imports = [f"### Roster imports ({large:,} talents; {small:,} for the memory growth)", ""]
            imports += bench_imports(large, small, runs=args.runs)
        Path("var").mkdir(exist_ok=True)
        Path("var/bench-imports.md").write_text(
            "\n".join([f"Machine: {machine_notes()}", "", *imports]) + "\n", encoding="utf-8"
        )
        lines += ["", *imports]
    if "assessments" in which:
        with scratch_database():
            lines += ["", f"### Assessments: scoring ({args.small:,} vs {args.large:,} talents)", ""]
            lines += bench_assessments(args.small, args.large, args.platforms)
    if "cockpit" in which:
        with scratch_database():
            lines += ["", f"### Leads' cockpit ({args.small:,} vs {args.large:,} talents)", ""]
            lines += bench_cockpit(args.small, args.large)
    if "reports" in which:
        with scratch_database("bench_reports"):
            lines += ["", f"### Reports ({args.small:,} vs {args.large:,} talents)", ""]
            lines += bench_reports(args.small, args.large, args.runs)
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path("var/bench-results.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
