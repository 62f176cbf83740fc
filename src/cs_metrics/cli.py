"""`cs-metrics` command line: generate demo data, validate and load raw data, print summaries,
write the visual and quality reports and calibrate the health score."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}") from exc


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cs-metrics", description="Customer-success metrics tooling around the dbt project."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate", help="write realistic demo raw data (contract or connector layout)"
    )
    gen.add_argument("--accounts", type=int, default=1000, help="number of CRM accounts")
    gen.add_argument(
        "--start", type=_month, default=None, help="first month YYYY-MM (default: 36 months back)"
    )
    gen.add_argument(
        "--end", type=_day, default=None, help="last day YYYY-MM-DD (default: today, UTC)"
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    gen.add_argument("--out", type=Path, default=Path("data/demo"), help="output directory")
    gen.add_argument(
        "--layout",
        choices=("contract", "fivetran"),
        default="contract",
        help="contract: the raw contract tables; fivetran: the tables connectors write"
        " (Stripe billing; docs/presets/README.md), read with the vars it prints",
    )
    gen.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty directory that was not made by this generator",
    )

    from cs_metrics.validate.command import add_parser as add_validate_parser

    add_validate_parser(sub)

    from cs_metrics.load.command import add_parser as add_load_parser

    add_load_parser(sub)

    from cs_metrics.report.command import add_parser as add_report_parser

    add_report_parser(sub)

    from cs_metrics.calibrate.command import add_parser as add_calibrate_parser

    add_calibrate_parser(sub)

    from cs_metrics.quality.command import add_parser as add_quality_parser

    add_quality_parser(sub)

    summ = sub.add_parser("summary", help="print the latest complete month from the marts")
    summ.add_argument("--db", type=Path, default=Path("target/cs_metrics.duckdb"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "generate":
        from cs_metrics.generate.core import DemoDirectoryError, generate

        end = args.end or dt.datetime.now(dt.UTC).date()
        start = args.start or dt.date(end.year - 3, end.month, 1)
        try:
            stats = generate(
                out_dir=args.out,
                accounts=args.accounts,
                start=start,
                end=end,
                seed=args.seed,
                force=args.force,
                layout=args.layout,
            )
        except DemoDirectoryError as exc:
            print(f"cs-metrics generate: {exc}", file=sys.stderr)
            return 1
        rows = stats["rows"]
        print(
            f"Demo data for {args.accounts:,} accounts, {start:%Y-%m} to {end:%Y-%m-%d}, "
            f"seed {args.seed}: {sum(rows.values()):,} rows in {len(rows)} tables "
            f"({rows['product.events']:,} events), {stats['bytes'] / 1e6:.1f} MB "
            f"in {stats['seconds']:.1f} s -> {args.out}"
        )
        if args.layout != "contract":
            from cs_metrics.generate.fivetran.registry import layout_vars

            selected = ", ".join(f"{k}: {v}" for k, v in layout_vars(args.layout).items())
            print(f"Build it with --vars '{{raw_data_dir: {args.out}, {selected}}}'")
        return 0
    if args.command == "validate":
        from cs_metrics.validate.command import run as run_validate

        return run_validate(args)
    if args.command == "load":
        from cs_metrics.load.command import run as run_load

        return run_load(args)
    if args.command == "summary":
        from cs_metrics.report.summary import print_summary

        return print_summary(args.db)
    if args.command == "report":
        from cs_metrics.report.command import run as run_report

        return run_report(args)
    if args.command == "calibrate":
        from cs_metrics.calibrate.command import run as run_calibrate

        return run_calibrate(args)
    if args.command == "quality-report":
        from cs_metrics.quality.command import run as run_quality_report

        return run_quality_report(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
