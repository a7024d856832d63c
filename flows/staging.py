"""Per-batch staging: each task writes its validated rows to Parquet and returns only counts.

The flow never holds a run's rows in memory: at commit time each table is streamed from
its staged parts into one Delta commit. Duplicates across batches (the same normalized
text in two batches) are dropped from the later batch while streaming and quarantined.
"""

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.validation import validate_tables
from transforms.ingest import Rejection
from transforms.pipeline import BatchResult, quarantine_row
from transforms.reference import Reference
from transforms.schema import ARTICLE_TABLES, TABLES, to_arrow


@dataclass
class StagedBatch:
    """What a batch task returns: where its rows are, and counts (never the rows)."""

    batch_no: int
    folder: str
    rows: dict[str, int]
    article_ids: list[str]
    files: int = 0
    inputs_skipped: int = 0
    validation_failures: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def part(self, table: str) -> Path:
        """The staged Parquet file of one table for this batch."""
        return Path(self.folder) / table / f"part-{self.batch_no:06d}.parquet"


def stage_batch(
    result: BatchResult,
    reference: Reference,
    run_id: str,
    folder: str,
    batch_no: int,
    extra: dict[str, pa.Table] | None = None,
) -> StagedBatch:
    """Validate a batch's tables (failing rows to quarantine) and write them to the staging folder."""
    tables = dict(result.tables)
    for name, table in (extra or {}).items():
        tables[name] = pa.concat_tables([tables[name], table]) if name in tables else table
    t0 = time.perf_counter()
    outcome = validate_tables(tables, reference, run_id)
    t1 = time.perf_counter()
    rows = {}
    for name, table in outcome.tables.items():
        rows[name] = table.num_rows
        if table.num_rows:
            path = Path(folder) / name / f"part-{batch_no:06d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path, compression="zstd")
    timings = dict(result.timings)
    timings["validate"] = timings.get("validate", 0.0) + t1 - t0
    timings["write"] = timings.get("write", 0.0) + time.perf_counter() - t1
    ids = outcome.tables["articles"]["article_id"].to_pylist()
    return StagedBatch(
        batch_no,
        folder,
        rows,
        ids,
        result.files,
        result.inputs_skipped,
        len(outcome.failures),
        timings,
    )


@dataclass
class StagedRun:
    """All staged batches of a run, with cross-batch duplicates resolved."""

    folder: str
    batches: list[StagedBatch]
    run_id: str
    when: dt.datetime
    excluded: dict[int, set[str]] = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.batches.sort(key=lambda b: b.batch_no)
        seen: set[str] = set()
        for batch in self.batches:
            dupes = {a for a in batch.article_ids if a in seen}
            seen.update(batch.article_ids)
            if not dupes:
                continue
            self.excluded[batch.batch_no] = dupes
            arts = pq.read_table(
                batch.part("articles"), columns=["article_id", "source_uri", "source_sha256"]
            )
            arts = arts.filter(pc.is_in(arts["article_id"], pa.array(sorted(dupes))))
            for aid, uri, sha in zip(
                arts["article_id"].to_pylist(),
                arts["source_uri"].to_pylist(),
                arts["source_sha256"].to_pylist(),
                strict=True,
            ):
                rej = Rejection(
                    uri,
                    sha,
                    "dedupe",
                    "duplicate_content",
                    f"{uri}: same normalized text as article {aid}",
                    aid,
                )
                self.duplicates.append(quarantine_row(rej, self.run_id, self.when))

    def rows(self, name: str) -> int:
        """Rows the run will write to ``name``."""
        total = sum(b.rows.get(name, 0) for b in self.batches)
        if name in ARTICLE_TABLES:
            total -= sum(
                self._excluded_rows(b, name) for b in self.batches if b.batch_no in self.excluded
            )
        if name == "quarantine":
            total += len(self.duplicates)
        return total

    def _excluded_rows(self, batch: StagedBatch, name: str) -> int:
        if not batch.rows.get(name):
            return 0
        ids = pq.read_table(batch.part(name), columns=["article_id"])["article_id"]
        return int(
            pc.sum(pc.is_in(ids, pa.array(sorted(self.excluded[batch.batch_no])))).as_py() or 0
        )

    def adoptable(self, name: str) -> tuple[Path, ...]:
        """Staged parts of ``name`` that can go into the table as they are (see
        ``deltafiles.adopt_files``): all but those that lose rows to a duplicate in an earlier
        batch. (The warehouse never adopts quarantine parts: it filters their rows.)"""
        return tuple(
            b.part(name)
            for b in self.batches
            if b.rows.get(name) and not (name in ARTICLE_TABLES and b.batch_no in self.excluded)
        )

    def reader(self, name: str, *, but_adoptable: bool = False) -> pa.RecordBatchReader:
        """All rows of ``name`` across batches, streamed batch by batch (``but_adoptable``:
        without the parts ``adoptable`` lists)."""
        schema = TABLES[name].schema
        skip = set(self.adoptable(name)) if but_adoptable else set()

        def batches() -> Iterator[pa.RecordBatch]:
            for batch in self.batches:
                if not batch.rows.get(name) or batch.part(name) in skip:
                    continue
                table = pq.read_table(batch.part(name), schema=schema)
                drop = self.excluded.get(batch.batch_no)
                if drop and name in ARTICLE_TABLES:
                    table = table.filter(
                        pc.invert(pc.is_in(table["article_id"], pa.array(sorted(drop))))
                    )
                yield from table.to_batches()
            if name == "quarantine" and self.duplicates:
                yield from to_arrow("quarantine", self.duplicates).to_batches()

        return pa.RecordBatchReader.from_batches(schema, batches())

    def value_counts(self, name: str, column: str) -> dict[str, int]:
        """How often each value of one column occurs across batches, most frequent first
        (for summaries): counted part by part, never a list of a run's values (1.4M issue
        codes at 100k articles, ~100 MiB as Python strings)."""
        counts: dict[str, int] = {}
        for part in self.reader(name):
            for item in pc.value_counts(pc.drop_null(part.column(column))).to_pylist():
                value, n = item["values"], item["counts"]
                counts[value] = counts.get(value, 0) + n
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def table(self, name: str, columns: list[str], limit: int) -> pa.Table:
        """The first ``limit`` rows of ``name`` (for artifacts)."""
        parts = []
        n = 0
        for part in self.reader(name):
            parts.append(part.select(columns))
            n += part.num_rows
            if n >= limit:
                break
        if not parts:
            return TABLES[name].schema.empty_table().select(columns)
        return pa.Table.from_batches(parts).slice(0, limit)

    def timings(self) -> dict[str, float]:
        """Seconds per stage, summed over batches (CPU time across workers)."""
        out: dict[str, float] = {}
        for b in self.batches:
            for k, v in b.timings.items():
                out[k] = out.get(k, 0.0) + v
        return out

    def cleanup(self) -> None:
        """Remove the staging folder (after the commit)."""
        shutil.rmtree(self.folder, ignore_errors=True)
