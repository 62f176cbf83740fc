"""`cs-metrics` command line: generate demo data, validate and load raw data, print summaries,
write the visual and quality reports and calibrate the health score.

Every command ends a failure with one line on stderr, `cs-metrics <command>: <what is wrong>:
<what to do>`, and an exit code (cs_metrics.console): 0 done, 1 nothing could be shown or a
check failed, 2 the command line asks for something impossible. No traceback reaches the user;
an unexpected error is one line too (CS_METRICS_DEBUG=1 shows its traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import NoReturn

from cs_metrics.console import EXIT_FAILED, EXIT_USAGE, fail

EPILOG = (
    "Run `cs-metrics COMMAND --help` for a command's options. Exit codes: 0 done; 1 nothing"
    " (or not everything) could be shown or written, or a check failed: the one-line message"
    " says why and what to do; 2 the command line asks for something impossible (an unknown"
    " option, a value out of range) or calibrate refused too short a history. Text from the"
    " data is printed with its control characters escaped."
)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: `cs-metrics <command>: <problem> (see --help)`."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("cs-metrics").strip()
        fail(command, f"{message} (`{self.prog} --help` lists every option)", EXIT_USAGE)
        raise SystemExit(EXIT_USAGE)


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


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from exc


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cs-metrics",
        description=(
            "Customer-success metrics tooling around the cs_metrics dbt project: demo data,"
            " raw-data checks and loading, and the summary and reports read from the built"
            " marts."
        ),
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="write realistic demo raw data (contract or connector layout)",
        description=(
            "Write a realistic demo raw data set, <out>/<source>/<table>.parquet for every"
            " table of the raw input contract (CRM, billing, FX, product events, support),"
            " for --accounts accounts from --start to --end. The same arguments always give"
            " byte-identical files. --layout fivetran writes the same company as the"
            " connectors' tables (<out>/stripe/, zendesk/, segment/<table>.parquet, and"
            " <out>/salesforce/ for the CRM, or <out>/hubspot/ with --crm hubspot;"
            " docs/presets/README.md)."
        ),
        epilog=EPILOG,
    )
    gen.add_argument(
        "--accounts", type=_whole, default=1000, help="number of CRM accounts, 1 or more"
    )
    gen.add_argument(
        "--start",
        type=_month,
        default=None,
        help="first month YYYY-MM, on or before --end (default: 36 months before --end)",
    )
    gen.add_argument(
        "--end",
        type=_day,
        default=None,
        help="last day of history YYYY-MM-DD, the as-of date (default: today, UTC)",
    )
    gen.add_argument(
        "--seed", type=_whole, default=42, help="random seed, 0 or more (same seed, same data)"
    )
    gen.add_argument(
        "--out", type=Path, default=Path("data/demo"), help="output directory (default: data/demo)"
    )
    gen.add_argument(
        "--layout",
        choices=("contract", "fivetran"),
        default="contract",
        help="contract: the raw contract tables; fivetran: the tables connectors write"
        " (Stripe billing, Salesforce CRM, Zendesk support, Segment events), read with the vars"
        " it prints",
    )
    from cs_metrics.generate import CRMS

    gen.add_argument(
        "--crm",
        choices=CRMS,
        default=None,
        help="with --layout fivetran: the CRM connector to write (default: salesforce)",
    )
    gen.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty directory that was not made by this generator",
    )

    from cs_metrics.validate import add_parser as add_validate_parser

    add_validate_parser(sub)

    from cs_metrics.load import add_parser as add_load_parser

    add_load_parser(sub)

    summ = sub.add_parser(
        "summary",
        help="print the latest complete month from the marts",
        description=(
            "Print the latest complete month from the built marts: MRR and its bridge, the"
            " customers (start + new + reactivated − churned = active), retention, the north"
            " star, why NRR moved, the renewals ahead and the customers by tier, health and"
            " lifecycle stage."
        ),
        epilog=EPILOG,
    )
    summ.add_argument(
        "--target",
        default=None,
        help="dbt target to read (duckdb, postgres, spark; default: CS_METRICS_TARGET or duckdb)",
    )
    summ.add_argument(
        "--db",
        type=Path,
        default=None,
        help="DuckDB database file (duckdb target; default: CS_METRICS_DB or the profile's,"
        " target/cs_metrics.duckdb)",
    )

    from cs_metrics.report import add_parser as add_report_parser

    add_report_parser(sub)

    from cs_metrics.quality import add_parser as add_quality_parser

    add_quality_parser(sub)

    from cs_metrics.calibrate import add_parser as add_calibrate_parser

    add_calibrate_parser(sub)

    for command in sub.choices.values():
        command.epilog = command.epilog or EPILOG
    return parser


def _subcommand_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


def _generate(args: argparse.Namespace) -> int:
    from cs_metrics.generate import DemoDirectoryError, GenerateArgumentError, generate

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
            crm=args.crm,
        )
    except GenerateArgumentError as exc:
        return fail("generate", exc, EXIT_USAGE)
    except DemoDirectoryError as exc:
        return fail("generate", exc)
    rows = stats["rows"]
    print(
        f"Demo data for {args.accounts:,} accounts, {start:%Y-%m} to {end:%Y-%m-%d}, "
        f"seed {args.seed}: {sum(rows.values()):,} rows in {len(rows)} tables "
        f"({stats['events']:,} events), {stats['bytes'] / 1e6:.1f} MB "
        f"in {stats['seconds']:.1f} s -> {args.out}"
    )
    if args.layout != "contract":
        from cs_metrics.generate import layout_vars

        selected = ", ".join(f"{k}: {v}" for k, v in layout_vars(args.layout, args.crm).items())
        print(f"Build it with --vars '{{raw_data_dir: {args.out}, {selected}}}'")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        return _generate(args)
    if args.command == "validate":
        from cs_metrics.validate import run as run_validate

        return run_validate(args)
    if args.command == "load":
        from cs_metrics.load import run as run_load

        return run_load(args)
    if args.command == "summary":
        from cs_metrics.report import print_summary

        return print_summary(args.db, target=args.target)
    if args.command == "report":
        from cs_metrics.report import run as run_report

        return run_report(args)
    if args.command == "calibrate":
        from cs_metrics.calibrate import run as run_calibrate

        return run_calibrate(args)
    if args.command == "quality-report":
        from cs_metrics.quality import run as run_quality_report

        return run_quality_report(args)
    return fail("", f"unknown command {args.command!r}", EXIT_USAGE)


def _unexpected(command: str, exc: Exception) -> int:
    """One line for an error no command handled itself (the last resort, never a traceback)."""
    from cs_metrics.project import ProjectError
    from cs_metrics.warehouse import WarehouseError

    if isinstance(exc, WarehouseError | ProjectError):
        return fail(command, exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        return fail(command, f"{exc.filename}: {exc.strerror or exc}")
    if os.environ.get("CS_METRICS_DEBUG"):
        raise exc
    detail = (str(exc).strip().splitlines() or [""])[0]
    return fail(
        command,
        f"unexpected error ({type(exc).__name__}: {detail}); run it again with CS_METRICS_DEBUG=1"
        " to see where it happened, and report it with the command you ran.",
    )


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the command's parser, whose options they are not
            _subcommand_parser(parser, args.command).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return _run(args)
    except KeyboardInterrupt:
        return fail(args.command, "interrupted", 130)
    except BrokenPipeError:  # e.g. `cs-metrics summary | head`: the reader left, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # the last resort: one line, never a traceback
        return _unexpected(args.command, exc)


if __name__ == "__main__":
    sys.exit(main())
