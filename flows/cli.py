"""The `alliance` command line."""

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from flows.settings import Settings
from transforms import engine
from transforms.engine import ENGINES

# Prefect reads these at import: quiet, offline-safe defaults for the temporary server.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # Not Prefect's, read at import too: NumPy's OpenBLAS starts a thread per core that the
    # pipeline never needs (it does no linear algebra), in this process and in each worker.
    "OPENBLAS_NUM_THREADS": "1",
}


def _prefect_env() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
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
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
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


def _finish(command: str, call, args: argparse.Namespace, headline=None) -> int:
    """Run a flow call; print its summary, or a clear one-line error with exit code 2."""
    from transforms.errors import PipelineError, ReferenceDataError

    try:
        summary = call()
    except (FileNotFoundError, ValueError) as exc:
        print(f"alliance {command}: {exc}", file=sys.stderr)
        return 2
    except (PipelineError, ReferenceDataError) as exc:
        print(f"alliance {command}: stopped, nothing written: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, permissions, a folder gone: the operator's to fix
        print(f"alliance {command}: stopped: {_os_error(exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    if headline:
        print(headline(summary))
    _print_summary(summary)
    return 0


def _os_error(exc: OSError) -> str:
    """One line for an operating-system error, with what to do about the common ones."""
    where = f"{exc.filename}: " if exc.filename else ""
    what = {
        errno.ENOSPC: "the disk is full; free space and run again (a run commits all or nothing)",
        errno.EROFS: "the file system is read-only; give --warehouse a writable folder",
        errno.EACCES: "permission denied; make it writable or give --warehouse another folder",
        errno.ENOTDIR: "a path in the way is a file, not a folder",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{where}{what}"


def _preflight(command: str, warehouse: str | None) -> int:
    """Check the warehouse before starting Prefect (seconds) and say what is wrong in one
    line: 0 when it may be written."""
    from flows.doctor import check_warehouse
    from flows.warehouse import Warehouse

    root = Settings.from_env(warehouse=warehouse).warehouse
    try:
        problems = check_warehouse(Warehouse(root))
    except OSError as exc:
        print(f"alliance {command}: {_os_error(exc)}", file=sys.stderr)
        return 2
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        print(
            f"alliance {command}: warehouse {root}: {problems[0].line()}{more}; "
            f"`alliance doctor --warehouse {root}` lists them all",
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the ingest flow once."""
    inbox = Settings.from_env(inbox=args.inbox).inbox
    if not Path(inbox).is_dir():  # fail before starting Prefect, with no traceback
        print(f"alliance run: inbox {inbox} does not exist or is not a folder", file=sys.stderr)
        return 2
    if _preflight("run", args.warehouse):
        return 2
    if args.feeds:
        from flows.feeds import load_feed_config

        try:
            load_feed_config(args.feeds)
        except (OSError, ValueError) as exc:
            print(f"alliance run: feeds config: {exc}", file=sys.stderr)
            return 2
    _prefect_env()
    from flows.batches import warm_pool, warm_up
    from flows.ingest_flow import ingest_flow

    workers = args.workers or Settings.from_env().workers
    choice = args.task_runner
    if choice == "auto":
        choice = "processes" if workers > 1 else "threads"
    # The flow opens worker processes for two batches or more (as a scheduled run does); on
    # threads or Dask it must not.
    os.environ["ALLIANCE_WORKERS"] = str(workers if choice == "processes" else 1)
    flow_ = ingest_flow
    if choice == "dask":
        flow_ = ingest_flow.with_options(task_runner=_dask_runner(args))
    with contextlib.ExitStack() as stack:
        if choice == "processes":
            # Started before Prefect's server: the workers warm up while it starts, and the
            # flow uses them (a run of one batch sends it to a warm worker too).
            stack.enter_context(warm_pool(workers))
        else:
            stack.enter_context(_joined(warm_up() if choice == "threads" else None))
        stack.enter_context(_one_api_server(choice == "dask"))
        return _finish(
            "run",
            lambda: flow_(
                inbox=args.inbox,
                warehouse=args.warehouse,
                batch_size=args.batch_size,
                lock_timeout=args.lock_timeout,
                feeds=args.feeds,
                report=False if args.no_report else None,
            ),
            args,
        )


@contextlib.contextmanager
def _joined(thread: threading.Thread | None) -> Iterator[None]:
    """Wait for a background thread before leaving (never exit mid-import)."""
    try:
        yield
    finally:
        if thread is not None:
            thread.join()


@contextlib.contextmanager
def _one_api_server(worker_processes: bool) -> Iterator[None]:
    """With no PREFECT_API_URL, every worker process would start its own temporary Prefect
    server (~200 MB and seconds of start-up each): start one here and hand its URL to all."""
    if not worker_processes or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    server.start()  # stopped by Prefect at exit
    os.environ["PREFECT_API_URL"] = server.api_url  # inherited by spawned workers
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2024-01-31") from exc


def cmd_backfill(args: argparse.Namespace) -> int:
    """Re-process stored articles from the raw store under the current reference data."""
    if not args.reextract and args.since is None and args.until is None:
        print("alliance backfill: give --since and/or --until, or --reextract", file=sys.stderr)
        return 2
    wh = _warehouse(args)
    if wh.table("articles") is None:
        print(
            f"alliance backfill: no articles table under {wh.root}: nothing to re-process "
            "(run `alliance run` first, or check --warehouse)",
            file=sys.stderr,
        )
        return 2
    if _preflight("backfill", args.warehouse):
        return 2
    _prefect_env()
    from flows.backfill_flow import backfill_flow

    if args.workers:
        os.environ["ALLIANCE_WORKERS"] = str(args.workers)
    return _finish(
        "backfill",
        lambda: backfill_flow(
            warehouse=args.warehouse,
            since=args.since,
            until=args.until,
            reextract=args.reextract,
            batch_size=args.batch_size,
            lock_timeout=args.lock_timeout,
        ),
        args,
        headline=lambda s: f"replaced the rows of {s['articles_replaced']} stored articles",
    )


def _dask_runner(args: argparse.Namespace):
    """Batch tasks on an existing Dask cluster, or on a local one."""
    from prefect_dask import DaskTaskRunner

    if args.dask_address:
        return DaskTaskRunner(address=args.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": args.dask_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


def cmd_server(args: argparse.Namespace) -> int:
    """Start a persistent Prefect server with its database under the state directory."""
    state = Path(args.state_dir).resolve() / "prefect"
    state.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **{k: os.environ.get(k, v) for k, v in PREFECT_DEFAULTS.items()},
        "PREFECT_HOME": str(state),
    }
    env.setdefault(
        "PREFECT_API_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{state / 'prefect.db'}"
    )
    prefect = Path(sys.executable).with_name("prefect")
    print(
        f"Prefect server on http://{args.host}:{args.port} (UI and API); database: "
        f"{env['PREFECT_API_DATABASE_CONNECTION_URL'].split('://', 1)[0]} under {state}",
        flush=True,
    )
    print(
        f"Point runs at it with: export PREFECT_API_URL=http://{args.host}:{args.port}/api",
        flush=True,
    )
    os.execve(
        str(prefect),
        [str(prefect), "server", "start", "--host", args.host, "--port", str(args.port)],
        env,
    )
    return 0  # not reached


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the ingest flow as a scheduled deployment and execute its runs."""
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "alliance serve: schedules need a persistent Prefect server. Start one with "
            "`alliance server` and set PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 2
    _prefect_env()
    from flows.ingest_flow import ingest_flow

    settings = Settings.from_env(inbox=args.inbox, warehouse=args.warehouse)
    parameters = {
        "inbox": str(Path(settings.inbox).resolve()),
        "warehouse": str(Path(settings.warehouse).resolve())
        if "://" not in settings.warehouse
        else settings.warehouse,
    }
    if args.feeds:
        parameters["feeds"] = str(Path(args.feeds).resolve())
    print(
        f"serving deployment {args.name!r} on schedule {args.cron!r} with {parameters}", flush=True
    )
    ingest_flow.serve(name=args.name, cron=args.cron, parameters=parameters)
    return 0


def _warehouse(args: argparse.Namespace):
    from flows.warehouse import Warehouse

    return Warehouse(Settings.from_env(warehouse=args.warehouse).warehouse)


def cmd_status(args: argparse.Namespace) -> int:
    """Show tables, versions, row counts, the last runs and the quarantine count."""
    from rich.console import Console
    from rich.table import Table

    from flows.consumers import warehouse_status
    from flows.doctor import check_warehouse

    wh = _warehouse(args)
    problems = check_warehouse(wh)
    for problem in problems:  # the counts below may not be what was stored
        print(f"alliance status: warning: {problem.line()}", file=sys.stderr)
    if any(p.kind in ("unreadable", "not_a_folder") for p in problems):
        return 2
    status = warehouse_status(wh, last_runs=args.runs)
    if not status["tables"]:
        print(
            f"alliance status: no tables under {status['warehouse']} (run `alliance run` first)",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(status, indent=2, default=str))
        return 0
    console = Console()
    console.print(
        f"[bold]warehouse[/bold] {status['warehouse']}  |  quarantined rows: {status['quarantined']}"
    )
    tables = Table(title="tables")
    for col in ("table", "version", "rows", "files"):
        tables.add_column(col, justify="left" if col == "table" else "right")
    for name, t in status["tables"].items():
        tables.add_row(name, str(t["version"]), str(t["rows"]), str(t["files"]))
    console.print(tables)
    runs = Table(title=f"last {len(status['runs'])} runs")
    for col in (
        "run_id",
        "flow",
        "status",
        "new",
        "skipped",
        "quarantined",
        "validation",
        "taxonomy",
    ):
        runs.add_column(col)
    for r in status["runs"]:
        runs.add_row(
            r["run_id"],
            r["flow"],
            r["status"],
            str(r["articles_new"]),
            str(r["inputs_skipped"]),
            str(r["quarantined"]),
            "ok" if r["validation_success"] else f"{r['validation_failures']} rows",
            r["taxonomy_version"],
        )
    console.print(runs)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the warehouse thoroughly; with --repair, repair what can be repaired."""
    from flows.doctor import check_warehouse, repair_warehouse
    from flows.lock import warehouse_lock
    from transforms.errors import WarehouseError

    wh = _warehouse(args)
    problems = check_warehouse(wh, thorough=True)
    for problem in problems:
        print(f"problem: {problem.line()}")
    if not problems:
        print(f"warehouse {wh.root}: no problems found")
        return 0
    if not args.repair:
        print("run `alliance doctor --repair` to carry out the repairs")
        return 1
    try:
        with warehouse_lock(wh.root, "doctor", args.lock_timeout):
            for action in repair_warehouse(wh, args.inbox):
                print(f"repaired: {action}")
    except WarehouseError as exc:
        print(f"alliance doctor: {exc}", file=sys.stderr)
        return 2
    left = check_warehouse(wh, thorough=True)
    for problem in left:
        print(f"still: {problem.line()}")
    return 1 if left else 0


def cmd_files(args: argparse.Namespace) -> int:
    """Print the Parquet files of a table version, one per line."""
    from flows.consumers import table_files
    from transforms.errors import WarehouseError

    try:
        for uri in table_files(_warehouse(args), args.table, args.version):
            print(uri)
    except WarehouseError as exc:
        print(f"alliance files: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Print why each article of the given inputs got its rows (or its quarantine)."""
    from flows.seeds import SEEDS_DIR, load_reference
    from transforms.explain import dumps, explain_input, render
    from transforms.ingest import InputFile
    from transforms.pipeline import Extractors

    if not args.files and args.text is None:
        print("alliance explain: give a FILE or --text TEXT", file=sys.stderr)
        return 2
    items = []
    if args.text is not None:
        items.append(InputFile("--text", args.text.encode("utf-8"), suffix=".txt"))
    for name in args.files:
        path = Path(name)
        try:
            items.append(InputFile(str(path), path.read_bytes()))
        except OSError as exc:
            print(f"alliance explain: {name}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    ex = Extractors.build(load_reference(Path(args.seeds) if args.seeds else SEEDS_DIR))
    explanations = [e for item in items for e in explain_input(item, ex)]
    if args.json:
        print(dumps(explanations))
    else:
        print("\n\n".join(render(e, show_sentences=not args.no_sentences) for e in explanations))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write a citable snapshot: one Parquet file per table plus manifest.json."""
    from flows.consumers import export_snapshot
    from flows.settings import REPO_ROOT
    from transforms.errors import WarehouseError

    try:
        manifest = export_snapshot(
            _warehouse(args),
            Path(args.out),
            args.version,
            [
                REPO_ROOT / "docs" / "data-dictionary.md",
                REPO_ROOT / "docs" / "codebook.md",
                REPO_ROOT / "CITATION.cff",
            ],
        )
    except WarehouseError as exc:
        print(f"alliance export: {exc}", file=sys.stderr)
        return 2
    print(f"exported run {manifest['as_of_run']} to {args.out}")
    for name, t in manifest["tables"].items():
        print(
            f"  {name:18s} v{t['delta_version']:<4d} {t['rows']:>8d} rows  sha256 {t['sha256'][:12]}…"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Render the offline HTML report and its PNG charts."""
    from flows.report import render_report
    from transforms.errors import WarehouseError

    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"alliance report: cannot write {out}: {_os_error(exc)}", file=sys.stderr)
        return 2
    try:
        written = render_report(_warehouse(args), out)
    except WarehouseError as exc:
        print(f"alliance report: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def _positive(value: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return number


class _Version(argparse.Action):
    """``--version``: the package version and git commit (worked out only when asked)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from flows.version import code_version

        print(f"alliance-issues {code_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `alliance`."""
    parser = argparse.ArgumentParser(
        prog="alliance",
        description="Turn news about the ROK-US alliance into validated, versioned issue datasets. "
        "Every command takes --warehouse (default ./warehouse, or ALLIANCE_WAREHOUSE).",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description)
        p.add_argument("--warehouse", help="root of the Delta tables (default: ./warehouse)")
        p.add_argument(
            "--engine",
            choices=ENGINES,
            help="matching engine: fast (default) or reference (plain `re`; same rows, slower); "
            "or set ALLIANCE_ENGINE",
        )
        return p

    run = add(
        "run",
        "ingest new articles from an inbox into the warehouse",
        "Ingest every new file of the inbox (.txt, .html/.htm, .json, .jsonl): normalize, extract "
        "issues and actors, validate, and commit one new version of each Delta table. Files "
        "already stored are skipped; bad files go to the quarantine table with the reason.",
    )
    run.add_argument(
        "--inbox", help="folder of input files (default: the bundled sample, seeds/articles)"
    )
    run.add_argument(
        "--batch-size",
        type=_positive,
        help=f"files per task at most (default: {Settings.batch_size}; a batch also closes at {Settings.batch_bytes // 2**20} MiB of input)",
    )
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.add_argument(
        "--lock-timeout",
        type=float,
        help="seconds to wait while another run writes to the warehouse (default: 600)",
    )
    run.add_argument(
        "--feeds", help="YAML file with a `feeds:` list of RSS/Atom URLs to fetch as well"
    )
    run.add_argument(
        "--task-runner",
        choices=["auto", "threads", "processes", "dask"],
        default="auto",
        help="where batches run: auto (warm worker processes, one per core, started while "
        "Prefect starts; threads on one core), threads (in this process), processes, or a "
        "Dask cluster. Scheduled runs and backfills use worker processes for 2+ batches",
    )
    run.add_argument(
        "--workers",
        type=_positive,
        help="worker processes for --task-runner processes (default: one per core)",
    )
    run.add_argument(
        "--no-report", action="store_true", help="skip rendering <warehouse>/_report after the run"
    )
    run.add_argument(
        "--dask-address", help="scheduler address of an existing Dask cluster (tcp://host:8786)"
    )
    run.add_argument(
        "--dask-workers",
        type=_positive,
        default=2,
        help="workers of the local Dask cluster (default: 2)",
    )
    run.set_defaults(func=cmd_run)

    server = sub.add_parser(
        "server",
        help="start a persistent Prefect server (needed for schedules)",
        description="Start `prefect server start` with its SQLite database under "
        "--state-dir (set PREFECT_API_DATABASE_CONNECTION_URL for PostgreSQL). The UI "
        "and API listen on --host:--port.",
    )
    server.add_argument(
        "--state-dir", default=".state", help="folder for the server's database (default: .state)"
    )
    server.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    server.add_argument("--port", type=_positive, default=4200, help="port (default: 4200)")
    server.set_defaults(func=cmd_server)

    serve = add(
        "serve",
        "run the ingest flow on a schedule (needs `alliance server`)",
        "Register the ingest flow as a Prefect deployment with a cron schedule and execute its "
        "runs until stopped. Each run ingests what arrived since the last one. Needs "
        "PREFECT_API_URL pointing at a persistent server.",
    )
    serve.add_argument(
        "--cron", default="0 * * * *", help='cron schedule (default: hourly, "0 * * * *")'
    )
    serve.add_argument("--inbox", help="folder of input files (default: seeds/articles)")
    serve.add_argument("--feeds", help="YAML file with a `feeds:` list of RSS/Atom URLs")
    serve.add_argument("--name", default="alliance-ingest-scheduled", help="deployment name")
    serve.set_defaults(func=cmd_serve)

    backfill = add(
        "backfill",
        "re-process stored articles (a date range, or all with --reextract)",
        "Re-normalize and re-extract stored articles from the raw copies kept under "
        "<warehouse>/_raw (the inbox is not needed), under the current taxonomy and "
        "gazetteer. Their old rows are replaced in one commit per table; older table "
        "versions keep the old results.",
    )
    backfill.add_argument(
        "--since", type=_date, help="first publication date to include (YYYY-MM-DD)"
    )
    backfill.add_argument(
        "--until", type=_date, help="last publication date to include (YYYY-MM-DD)"
    )
    backfill.add_argument(
        "--reextract", action="store_true", help="every stored article, dated or not"
    )
    backfill.add_argument(
        "--batch-size", type=_positive, help=f"articles per task (default: {Settings.batch_size})"
    )
    backfill.add_argument(
        "--lock-timeout", type=float, help="seconds to wait for another run (default: 600)"
    )
    backfill.add_argument(
        "--workers",
        type=_positive,
        help="worker processes for 2+ batches (default: one per core; 1: threads)",
    )
    backfill.add_argument("--json", action="store_true", help="print the run summary as JSON")
    backfill.set_defaults(func=cmd_backfill)

    status = add(
        "status",
        "show tables, versions, row counts, last runs and quarantine count",
        "Summarize the warehouse: each table's Delta version, rows and files, the latest runs "
        "with their counts and validation outcome, and the number of quarantined inputs.",
    )
    status.add_argument(
        "--runs", type=_positive, default=5, help="how many recent runs to list (default: 5)"
    )
    status.add_argument("--json", action="store_true", help="print as JSON")
    status.set_defaults(func=cmd_status)

    doctor = add(
        "doctor",
        "check that the tables agree with each other and with the inputs; --repair fixes them",
        "Check every table's Delta log and data files, the versions the runs recorded, and "
        "that every input read is in articles or quarantine. Prints one line per problem "
        "with its repair; exit 1 when problems remain. --repair rolls back damaged logs, drops "
        "missing data files, deletes rows of lost articles and makes the next run read the "
        "lost inputs again.",
    )
    doctor.add_argument("--repair", action="store_true", help="carry out the repairs")
    doctor.add_argument("--inbox", help="the inbox the lost inputs came from (for the hint)")
    doctor.add_argument(
        "--lock-timeout", type=float, default=600.0, help="seconds to wait for a running run"
    )
    doctor.set_defaults(func=cmd_doctor)

    files = add(
        "files",
        "list the Parquet files of a table version (for plain-Parquet readers)",
        "Print the Parquet files that make up TABLE at its current version (or --version N), "
        "one URI per line. Plain-Parquet readers must use this list, never a glob of the "
        "folder, which also holds files of older versions. <warehouse>/_manifest.json holds "
        "the same lists for every table after each run.",
    )
    files.add_argument("table", help="table name, e.g. article_issues")
    files.add_argument("--version", type=int, help="Delta version (default: current)")
    files.set_defaults(func=cmd_files)

    export = add(
        "export",
        "write a citable snapshot (Parquet + manifest with versions and checksums)",
        "Write one Parquet file per table and manifest.json (table versions, taxonomy and "
        "gazetteer versions, row counts, SHA-256 checksums) to --out, as of the latest run, "
        "or as of the runs table's version --version N. The folder loads anywhere with "
        "any Parquet reader.",
    )
    export.add_argument("--out", required=True, help="folder to write the snapshot to")
    export.add_argument("--version", type=int, help="version of the runs table to export as of")
    export.set_defaults(func=cmd_export)

    explain = add(
        "explain",
        "show why an article got its codes and actors: sentences, rule matches, vetoes",
        "Run files (or --text) through normalization and extraction and print every step's "
        "decisions: boilerplate lines removed, the sentences, each actor with how it was "
        "resolved, every match of every issue rule with its verdict (counted, vetoed by a "
        "negative and which, context not met and why, dropped for a stronger hit), each "
        "code's score against the threshold and the codes assigned. Writes nothing. The "
        "output is the same on either --engine.",
    )
    explain.add_argument(
        "files", nargs="*", metavar="FILE", help="input files (.txt, .html, .json, .jsonl)"
    )
    explain.add_argument("--text", help="explain this text instead of (or besides) files")
    explain.add_argument("--seeds", help="seeds folder to use (default: the bundled seeds/)")
    explain.add_argument("--json", action="store_true", help="print as JSON")
    explain.add_argument(
        "--no-sentences", action="store_true", help="leave out the list of sentences"
    )
    explain.set_defaults(func=cmd_explain)

    report = add(
        "report",
        "render an offline HTML report with charts (and PNGs for slides)",
        "Render issue salience over time, the top actors per issue, an actor-issue network and "
        "the latest run's validation summary into one self-contained HTML file (charts "
        "embedded, no network needed); the PNG charts are written beside it.",
    )
    report.add_argument(
        "--out", default="report.html", help="HTML file to write (default: report.html)"
    )
    report.set_defaults(func=cmd_report)
    return parser


# Commands that only read (or export from) the warehouse. On an object store, the Arrow
# dataset deltalake hands out reads through threads that can still be torn down when the
# interpreter exits: `status` on s3:// printed its answer, then aborted with "terminate called
# without an active exception" (SIGABRT) in one CI run of five. They leave at once instead,
# once their output is flushed: nothing of theirs is left to clean up.
READERS = frozenset({"status", "files", "export", "report", "doctor"})


def _exit_now(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# Commands that start processes (workers, Prefect's temporary server, flow runs): a watchdog
# ends them if the command is killed.
SPAWNING = frozenset({"run", "backfill", "serve"})


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `alliance` command."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # answered with the usage of the command they were given to, not alliance's
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "engine", None):  # `server` runs no extraction: it has no --engine
        engine.use(args.engine)
    try:
        engine.selected()
    except ValueError as exc:  # a wrong ALLIANCE_ENGINE: one line, before any work
        print(f"alliance {args.command}: {exc}", file=sys.stderr)
        return 2
    if args.command in SPAWNING:
        from flows.watchdog import start_watchdog

        start_watchdog()
    try:
        code = int(args.func(args))
        if (
            args.command in READERS
            and "://" in Settings.from_env(warehouse=args.warehouse).warehouse
        ):
            _exit_now(code)
        return code
    except KeyboardInterrupt:
        print(f"alliance {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, never a traceback (ALLIANCE_DEBUG=1 shows it)
        if os.environ.get("ALLIANCE_DEBUG"):
            raise
        if isinstance(exc, OSError):
            what = _os_error(exc)
        else:
            what = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}"
        print(
            f"alliance {args.command}: {what} (`alliance doctor` checks the warehouse; "
            "ALLIANCE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
