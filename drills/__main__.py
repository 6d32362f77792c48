"""``python -m drills [load] [faults] [backup]`` (``make drill``): run the drills against a portal started on
loopback for them, print the results as Markdown (also written to var/drills-results.md) and exit non-zero when
a criterion fails. No name runs all three. The defaults are the full size; lower them for a quick run:
``python -m drills --talents 20000 --clients 10 --seconds 20``.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time

from .stack import ROOT, Stack

NAMES = ["load", "faults", "backup"]


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        pause = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError("give seconds as MIN-MAX, e.g. 1-5, or 0") from None
    if not 0 <= pause[0] <= pause[1] <= 600:
        raise argparse.ArgumentTypeError("give 0 <= MIN <= MAX <= 600 seconds")
    return pause


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m drills", description=__doc__)
    parser.add_argument("which", nargs="*", metavar="{" + ",".join(NAMES) + "}", help="default: all three")
    parser.add_argument("--talents", type=int, default=1_000_000, help="talents seed_scale adds (default 1,000,000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients of the load drill (default 50)")
    parser.add_argument("--seconds", type=int, default=120, help="length of the load drill (default 120)")
    parser.add_argument(
        "--think",
        type=think_range,
        default=(1.0, 5.0),
        metavar="MIN-MAX",
        help="seconds each load client pauses after an answer, drawn evenly from MIN-MAX (default 1-5, a person "
        "reading a page before the next click; 0 for a stress test with no pause)",
    )
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--baseline", action="store_true", help="first measure 2 gunicorn workers and 20 clients")
    parser.add_argument("--import-rows", type=int, default=20_000, help="rows of the imports (default 20,000)")
    parser.add_argument("--pg-url", default="", help="use this PostgreSQL server (no restart drill) instead of one")
    parser.add_argument("--pg-port", type=int, default=5440, help="port of the drill's own PostgreSQL")
    parser.add_argument("--redis-port", type=int, default=6390, help="port of the drill's own Redis")
    parser.add_argument("--web-port", type=int, default=8790, help="port of the drill's gunicorn")
    parser.add_argument("--keep", action="store_true", help="keep the drill's folder (database, logs) afterwards")
    args = parser.parse_args(argv)
    unknown = [name for name in args.which if name not in NAMES]
    if unknown:
        parser.error(f"unknown drill {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    if "faults" in (args.which or NAMES) and args.pg_url:
        parser.error("the faults drill restarts PostgreSQL, so it needs its own server: leave out --pg-url")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    which = args.which or NAMES
    started = time.monotonic()
    lines = [
        f"Machine: {platform.node()} · {os.cpu_count()} cores · load average before "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} · Python {platform.python_version()}",
        f"Parameters: {args.talents:,} talents from seed_scale (plus the demo city), {args.clients} clients, "
        f"{args.seconds} s, {args.web_workers} gunicorn workers, 2 Celery workers, each client pausing "
        f"{args.think[0]:g}-{args.think[1]:g} s between requests.",
    ]
    results: dict[str, bool] = {}
    # Stop cleanly (and stop what was started) on Ctrl-C or a CI timeout.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with Stack(
        pg_port=args.pg_port, redis_port=args.redis_port, web_port=args.web_port, pg_url=args.pg_url, keep=args.keep
    ) as stack:
        seeded = time.monotonic()
        stack.prepare(args.talents)
        lines.append(f"Migrate, demo city and seed_scale: {time.monotonic() - seeded:.0f} s.")
        stack.django()
        if "load" in which or "faults" in which:
            stack.start_workers(2)
        if "load" in which:
            from .load import report, run_load

            if args.baseline:
                stack.start_web(2)
                rec = run_load(args.web_port, 20, args.seconds, think=args.think, background=False)
                table, _ok, _numbers = report(rec, args.seconds)
                lines += ["", "### Baseline: 2 gunicorn workers, 20 clients, no background jobs", "", *table]
                stack.stop("gunicorn")
            stack.start_web(args.web_workers)
            rec = run_load(
                args.web_port, args.clients, args.seconds, think=args.think, roster_rows=args.import_rows // 2
            )
            table, results["load"], _numbers = report(rec, args.seconds)
            title = f"### Load: {args.web_workers} gunicorn workers, {args.clients} clients, {args.seconds} s"
            lines += ["", f"{title}, with an import and exports", "", *table]
            print("\n".join(lines), flush=True)
        if "faults" in which:
            from .faults import run_faults

            if "gunicorn" not in stack.processes:
                stack.start_web(args.web_workers)
            faults, results["faults"] = run_faults(stack, min(args.clients, 10), args.import_rows)
            lines += ["", "### Faults", "", *faults]
        if "backup" in which:
            from .backup import run_backup

            backup, results["backup"] = run_backup(stack)
            lines += ["", "### Backup and restore", "", *backup]
    lines += [
        "",
        f"Verdict: {', '.join(name + (' PASS' if ok else ' FAIL') for name, ok in results.items())}; "
        f"{time.monotonic() - started:.0f} s in all.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "var" / "drills-results.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
