"""The warehouse: one Delta Lake table per output table, written atomically, read by version."""

import json
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError
from deltalake.schema import Field

from flows import deltafiles
from transforms.errors import WarehouseError
from transforms.schema import ARTICLE_TABLES, TABLES

# Commit order: rows that hang off an article first, the article row last, so that an
# interrupted run leaves no article without its mentions (orphans are replaced on re-run).
COMMIT_ORDER = (
    "sentences",
    "boilerplate_lines",
    "issue_mentions",
    "article_issues",
    "actor_mentions",
    "actor_issue_links",
    "articles",
    "quarantine",
    "inputs",
    "runs",
)
RETRIES = 5
# Appends to a local table go through flows.deltafiles (flat memory). The Delta writer, used
# for replacing articles' rows and for object stores, holds a row group and a data file in
# memory until they close: with its defaults (1M rows, 100 MB files) the articles' texts of a
# large run were held whole. Rows per row group for the wide tables (~10 MB groups) and
# smaller files bound it.
ROW_GROUP_ROWS = {"articles": 2048, "sentences": 131_072}
WIDE_FILE_BYTES = 32 * 1024 * 1024


def _write_options(name: str) -> dict:
    """write_deltalake arguments that bound the writer's memory for table ``name``."""
    rows = ROW_GROUP_ROWS.get(name)
    if rows is None:
        return {}
    return {
        "writer_properties": WriterProperties(max_row_group_size=rows),
        "target_file_size": WIDE_FILE_BYTES,
    }


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


@dataclass
class Warehouse:
    """Delta tables under ``root`` (a local path or an object-store URI)."""

    root: str
    storage_options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if _is_local(self.root):
            self.root = str(Path(self.root.removeprefix("file://")).resolve())

    def uri(self, name: str) -> str:
        """Location of table ``name``."""
        return f"{self.root.rstrip('/')}/{name}"

    def table(self, name: str, version: int | None = None) -> DeltaTable | None:
        """The Delta table (at ``version``), or None when it does not exist yet."""
        try:
            return DeltaTable(
                self.uri(name), version=version, storage_options=dict(self.storage_options) or None
            )
        except TableNotFoundError:
            return None

    def ensure_tables(self) -> None:
        """Create every missing table, empty, with its schema (so readers always find them)."""
        if _is_local(self.root):
            Path(self.root).mkdir(parents=True, exist_ok=True)
        for name, spec in TABLES.items():
            table = self.table(name)
            if table is None:
                write_deltalake(
                    self.uri(name),
                    spec.schema.empty_table(),
                    mode="append",
                    storage_options=dict(self.storage_options) or None,
                )
                continue
            # A table written under an older schema gets the columns added since (nullable:
            # its old rows have no value).
            have = set(table.schema().to_arrow().names)
            missing = [f for f in spec.schema if f.name not in have]
            if missing:
                table.alter.add_columns([Field.from_arrow(f.with_nullable(True)) for f in missing])

    def column_values(self, name: str, column: str) -> set[str]:
        """Distinct non-null values of one column (reads only that column)."""
        files = self._dataset(name)
        if files is None:
            return set()
        values = files.to_table(columns=[column]).column(column)
        return {v for v in pc.unique(values).to_pylist() if v is not None}

    def seen_source_hashes(self) -> set[str]:
        """Hashes of every input already stored as an article or quarantined."""
        return self.column_values("articles", "source_sha256") | self.column_values(
            "quarantine", "source_sha256"
        )

    def versions(self) -> dict[str, int]:
        """Current version of every table."""
        out = {}
        for name in TABLES:
            dt = self.table(name)
            if dt is not None:
                out[name] = dt.version()
        return out

    def read(
        self, name: str, version: int | None = None, columns: list[str] | None = None
    ) -> pa.Table:
        """A table (at ``version``) as Arrow, reading the files of that version only."""
        files = self._dataset(name, version)
        if files is None:
            raise WarehouseError("missing_table", f"{self.uri(name)}: no such table")
        return files.to_table(columns=columns)

    def _dataset(self, name: str, version: int | None = None) -> ds.Dataset | None:
        """The files of a table (at ``version``) as a plain Parquet dataset, None if no table.

        From the table's own file list: ``DeltaTable.to_pyarrow_dataset`` also builds a
        fragment with statistics for every file, slower for a table of many files, and every
        run reads four such columns before its first batch. On an object store the file URIs
        need the store's filesystem, which ``to_pyarrow_dataset`` brings.
        """
        dt = self.table(name, version)
        if dt is None:
            return None
        if not _is_local(self.root):  # the object store's filesystem comes with the table
            return dt.to_pyarrow_dataset()
        return ds.dataset(dt.file_uris(), format="parquet", schema=TABLES[name].schema)

    def commit(
        self,
        tables: Mapping[str, "pa.Table | Source"],
        replace_articles: Iterable[str] = (),
    ) -> dict[str, int]:
        """Write each non-empty table in one commit; article rows for ``replace_articles`` are replaced.

        A table is given as an Arrow table or as a Source (a reader factory and its row
        count), which is streamed: the rows are never all in memory.
        """
        replace = sorted(set(replace_articles))
        versions: dict[str, int] = {}
        for name in COMMIT_ORDER:
            data = tables.get(name)
            if data is None:
                continue
            source = data if isinstance(data, Source) else Source.of(data)
            if source.rows == 0 and not (replace and name in ARTICLE_TABLES):
                continue
            versions[name] = self._write(name, source, replace if name in ARTICLE_TABLES else [])
            _fault_point(name)
        return versions

    def _write(self, name: str, source: "Source", replace: list[str]) -> int:
        uri = self.uri(name)
        opts = dict(self.storage_options) or None
        schema = TABLES[name].schema
        make = source.open
        if name == "quarantine":
            existing = pa.array(sorted(self.column_values(name, "quarantine_id")), pa.string())

            def make() -> pa.RecordBatchReader:
                def fresh() -> Iterator[pa.RecordBatch]:
                    for batch in source.open():
                        yield batch.filter(
                            pc.invert(pc.is_in(batch.column("quarantine_id"), existing))
                        )

                return pa.RecordBatchReader.from_batches(schema, fresh())

        def opened(make: Callable[[], pa.RecordBatchReader] = make) -> pa.RecordBatchReader:
            reader = make()
            if not reader.schema.equals(schema):
                raise WarehouseError("schema_drift", f"{name}: rows do not match the table schema")
            return reader

        if not replace and _is_local(uri):
            # Files go in as they are only when the rows do (quarantine's are filtered above).
            if source.files and source.rest is not None and make is source.open:
                return deltafiles.append(uri, opened(source.rest), RETRIES, adopt=source.files)
            return deltafiles.append(uri, opened(), RETRIES)

        def write() -> int:
            if replace:
                ids = ", ".join("'" + i.replace("'", "''") + "'" for i in replace)
                write_deltalake(
                    uri,
                    opened(),
                    mode="overwrite",
                    predicate=f"article_id IN ({ids})",
                    storage_options=opts,
                    **_write_options(name),
                )
            else:
                write_deltalake(
                    uri, opened(), mode="append", storage_options=opts, **_write_options(name)
                )
            dt = self.table(name)
            assert dt is not None
            return dt.version()

        return deltafiles.retry_commits(write, RETRIES)

    def input_index(self) -> dict[str, tuple[int, int]]:
        """Path -> (size, mtime_ns) of every inbox file already read."""
        files = self._dataset("inputs")
        if files is None:
            return {}
        t = files.to_table(columns=["path", "size", "mtime_ns"])
        return dict(
            zip(
                t["path"].to_pylist(),
                zip(t["size"].to_pylist(), t["mtime_ns"].to_pylist(), strict=True),
                strict=True,
            )
        )

    def may_have_orphans(self) -> bool:
        """Whether an article table changed after the last recorded run (an interrupted run)."""
        runs = self._dataset("runs")
        if runs is None:
            return True
        rows = runs.to_table(columns=["finished_at", "table_versions", "status"]).to_pylist()
        if not rows:
            tables = [self.table(n) for n in ARTICLE_TABLES]
            return any(t is not None and t.version() > 0 for t in tables)
        recorded: dict[str, int] = {}
        for row in sorted(rows, key=lambda r: r["finished_at"]):
            recorded.update(json.loads(row["table_versions"]))
        for name in ARTICLE_TABLES:
            dt = self.table(name)
            if dt is not None and dt.version() > recorded.get(name, 0):
                return True
        return False

    def unrecorded_runs(self) -> dict[str, dict[str, int]]:
        """Runs that left rows in the tables but no ``runs`` row (killed before their last
        commit), with their rows per table. Reads every table's run ids: call it only when
        ``may_have_orphans``."""
        recorded = self.column_values("runs", "run_id")
        found: dict[str, dict[str, int]] = {}
        for name in COMMIT_ORDER:
            files = self._dataset(name) if name != "runs" else None
            if files is None or "run_id" not in TABLES[name].schema.names:
                continue
            counts = pc.value_counts(files.to_table(columns=["run_id"]).column("run_id"))
            for entry in counts.to_pylist():
                run_id = entry["values"]
                if run_id is not None and run_id not in recorded:
                    found.setdefault(run_id, {})[name] = entry["counts"]
        return found

    def orphan_article_ids(self, candidates: Iterable[str]) -> set[str]:
        """Of ``candidates``, ids that already have rows in some article table (from an interrupted run)."""
        wanted = set(candidates)
        if not wanted:
            return set()
        found: set[str] = set()
        for name in ARTICLE_TABLES:
            found |= self.column_values(name, "article_id") & wanted
        return found


@dataclass(frozen=True)
class Source:
    """Rows to commit: a factory of fresh readers (commits may be retried) and the row count.

    ``files`` are Parquet files of the table's schema holding some of the rows, and ``rest``
    a reader factory for the others: a local append moves the files into the table as they
    are and writes only the rest. ``open`` always gives all rows.
    """

    open: Callable[[], pa.RecordBatchReader]
    rows: int
    files: tuple[Path, ...] = ()
    rest: Callable[[], pa.RecordBatchReader] | None = None

    @classmethod
    def of(cls, table: pa.Table) -> "Source":
        """A source over an in-memory table."""
        return cls(table.to_reader, table.num_rows)


def _fault_point(table: str) -> None:
    """Crash testing: ALLIANCE_CRASH_AFTER=<table> kills the process (SIGKILL) right after
    that table's commit, so tests can prove that a re-run repairs any interruption."""
    if os.environ.get("ALLIANCE_CRASH_AFTER") == table:
        os.kill(os.getpid(), signal.SIGKILL)


def runs_json(mapping: Mapping[str, int]) -> str:
    """Stable JSON for the runs table's map columns."""
    return json.dumps(dict(sorted(mapping.items())), separators=(",", ":"))
