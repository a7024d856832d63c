"""The `alliance` command line."""

import argparse
import json
import os
import sys

# Prefect reads these at import: quiet, offline-safe defaults for the temporary server.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def _prefect_env() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]run {summary['run_id']}[/bold]  warehouse {summary['warehouse']}")
    console.print(
        f"files seen {summary['files_seen']} | new articles {summary['articles_new']} | "
        f"skipped (already stored) {summary['inputs_skipped']} | quarantined {summary['quarantined']} | "
        f"validation failures {summary['validation_failures']}"
    )
    console.print(
        f"taxonomy {summary['taxonomy_version']} | gazetteer {summary['gazetteer_version']}"
    )
    if summary["quarantine_reasons"]:
        console.print(
            "quarantine reasons: "
            + ", ".join(f"{k} {v}" for k, v in summary["quarantine_reasons"].items())
        )
    table = Table(title="tables written")
    table.add_column("table")
    table.add_column("rows added", justify="right")
    table.add_column("version", justify="right")
    for name, version in summary["table_versions"].items():
        table.add_row(
            name, str(summary["rows_written"].get(name, 1 if name == "runs" else 0)), str(version)
        )
    console.print(table)
    if summary["issue_counts"]:
        issues = Table(title="articles per issue code (this run)")
        issues.add_column("issue code")
        issues.add_column("articles", justify="right")
        for code, n in summary["issue_counts"].items():
            issues.add_row(code, str(n))
        console.print(issues)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the ingest flow once."""
    _prefect_env()
    from flows.ingest_flow import ingest_flow
    from transforms.errors import PipelineError, ReferenceDataError

    try:
        summary = ingest_flow(
            inbox=args.inbox, warehouse=args.warehouse, batch_size=args.batch_size
        )
    except FileNotFoundError as exc:
        print(f"alliance run: {exc}", file=sys.stderr)
        return 2
    except (PipelineError, ReferenceDataError) as exc:
        print(f"alliance run: stopped, nothing written: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print_summary(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `alliance`."""
    parser = argparse.ArgumentParser(
        prog="alliance",
        description="Turn news about the ROK-US alliance into validated, versioned issue datasets.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="ingest new articles from an inbox into the warehouse",
        description="Ingest every new file of the inbox (.txt, .html/.htm, .json, .jsonl): "
        "normalize, extract issues and actors, validate, and commit one new "
        "version of each Delta table. Files already stored are skipped; bad "
        "files go to the quarantine table.",
    )
    run.add_argument(
        "--inbox", help="folder of input files (default: the bundled sample, seeds/articles)"
    )
    run.add_argument("--warehouse", help="root of the Delta tables (default: ./warehouse)")
    run.add_argument("--batch-size", type=int, help="articles per task (default: 200)")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `alliance` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
