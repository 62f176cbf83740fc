"""Benchmark the demo data generator: wall time, peak memory, rows and size on disk.

    .venv/bin/python scripts/benchmark_generate.py                  # 100,000 accounts, 36 months
    .venv/bin/python scripts/benchmark_generate.py --accounts 1000 --keep /tmp/demo

Writes into a temporary directory (deleted afterwards unless --keep is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
from pathlib import Path

try:
    from cs_metrics.contract import TABLES
    from cs_metrics.generate.core import generate
except ModuleNotFoundError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from cs_metrics.contract import TABLES
    from cs_metrics.generate.core import generate


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="CRM accounts (100000)")
    parser.add_argument("--months", type=int, default=36, help="months of history (36)")
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=dt.date(2025, 6, 30),
        help="last day of history, YYYY-MM-DD (2025-06-30)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    return parser.parse_args(argv)


def _start(end: dt.date, months: int) -> dt.date:
    index = end.year * 12 + end.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GiB"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    start = _start(args.end, args.months)
    with tempfile.TemporaryDirectory(prefix="cs_metrics_bench_") as tmp:
        out = args.keep or Path(tmp) / "raw"
        print(
            f"generating {args.accounts:,} accounts, {start} .. {args.end}, seed {args.seed} "
            f"into {out}",
            flush=True,
        )
        stats = generate(
            out_dir=out,
            accounts=args.accounts,
            start=start,
            end=args.end,
            seed=args.seed,
            progress=False if args.no_progress else None,
        )
        on_disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    cpu = usage.ru_utime + usage.ru_stime

    width = max(len(t.key) for t in TABLES)
    print(f"\n{'table':<{width}}  {'rows':>12}")
    for key, count in stats["rows"].items():
        print(f"{key:<{width}}  {count:>12,}")
    print("\nphase         seconds   peak RSS so far")
    for name, seconds in stats["phases"].items():
        print(f"{name:<12}  {seconds:>7.1f}   {stats['phase_peak_rss_mb'][name]:>8,.0f} MiB")
    print(f"\nseconds       {stats['seconds']:,.1f} (CPU {cpu:,.1f})")
    print(f"peak RSS      {peak_mb:,.0f} MiB")
    print(f"size on disk  {_human(on_disk)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
