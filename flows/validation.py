"""Validate a run's rows with the Great Expectations suites in expectations/.

Rows that fail a row-level expectation are moved to quarantine (an article that
fails takes its dependent rows with it); a table-level failure such as schema
drift raises ValidationFailure and nothing is written.
"""

import contextlib
import datetime as dt
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from transforms.engine.offsets import offset_mismatches
from transforms.errors import ValidationFailure
from transforms.ingest import Rejection
from transforms.pipeline import quarantine_row
from transforms.reference import Reference
from transforms.schema import ARTICLE_TABLES, TABLES

SUITES_DIR = Path(__file__).resolve().parent.parent / "expectations"
TABLE_LEVEL = ("expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set")
_LOCK = threading.Lock()  # GX contexts are not thread-safe; one validation at a time
_CONTEXT: dict[str, Any] = {}


@dataclass
class ValidationOutcome:
    """Rows that passed, quarantine rows for those that failed, and a summary per table."""

    tables: dict[str, pa.Table]
    failures: list[dict] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """True when no row failed."""
        return not self.failures


def suite_params(reference: Reference) -> dict[str, Any]:
    """Values substituted for {"$param": name} in the suites."""
    tax = reference.taxonomy
    return {
        "taxonomy_codes": sorted(tax.codes),
        "taxonomy_rule_ids": sorted({r.rule_id for c in tax.codes.values() for r in c.rules}),
        "taxonomy_version": [tax.version],
        "iso3_codes": sorted(reference.gazetteer.states),
        "boilerplate_rule_ids": sorted(r.rule_id for r in reference.boilerplate),
        "latest_plausible_date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
    }


def load_suite(name: str, params: dict[str, Any], suites_dir: Path = SUITES_DIR) -> dict:
    """A suite as a dict with its parameters filled in."""
    path = suites_dir / f"{name}.json"
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailure("bad_suite", f"{path}: {exc}") from exc

    def fill(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"$param"}:
            return params[value["$param"]]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(raw)


def warm_up() -> None:
    """Import Great Expectations and build the context now rather than in the first batch."""
    with _LOCK:
        _context()


def _context() -> Any:
    if "ctx" not in _CONTEXT:
        import great_expectations as gx  # a slow import: only where validation runs
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX hashes every in-memory dataframe for a batch marker it only displays (a large
        # share of a batch's validation time): off.
        pandas_execution_engine.HASH_THRESHOLD = 0

        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.WARNING)
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        _CONTEXT["gx"] = gx
        _CONTEXT["ctx"] = ctx
        _CONTEXT["source"] = ctx.data_sources.add_pandas("alliance")
        _CONTEXT["batches"] = {}
        _CONTEXT["suites"] = {}
    return _CONTEXT


def _suite(state: dict[str, Any], suite_dict: dict) -> Any:
    """The GX suite for a filled-in suite dict, added to the context once and reused by every
    batch (adding and deleting it per batch cost every batch)."""
    key = hashlib.sha256(json.dumps(suite_dict, sort_keys=True, default=str).encode()).hexdigest()
    suites = state["suites"]
    if key not in suites:
        if len(suites) >= 64:  # parameters change (the date): drop the old ones
            for old in suites.values():
                state["ctx"].suites.delete(old.name)
            suites.clear()
        gx = state["gx"]
        suites[key] = state["ctx"].suites.add(
            gx.ExpectationSuite(
                name=f"{suite_dict['name']}_{key[:12]}", expectations=suite_dict["expectations"]
            )
        )
    return suites[key]


@contextlib.contextmanager
def _configurations_built_once(expectation_class: Any) -> Iterator[None]:
    """Within the block, each Expectation builds its ``configuration`` once.

    Great Expectations 1.x rebuilds an expectation's configuration (a pydantic ``dict()`` and
    a regex on the class name) on every access, and one validation accesses it ~40 times per
    expectation, mostly inside dict comprehensions over its keyword names: about half of a
    batch's validation time. The validator makes fresh expectation objects from the suite for
    each validation and only reads their configuration, so one build per object is the same.
    The cache lives only for the block (validations run one at a time, under ``_LOCK``).
    """
    plain = expectation_class.configuration
    built: dict[int, tuple[Any, Any]] = {}

    def configuration(self: Any) -> Any:
        hit = built.get(id(self))
        if hit is None or hit[0] is not self:
            hit = built[id(self)] = (self, plain.fget(self))
        return hit[1]

    expectation_class.configuration = property(configuration, doc=plain.__doc__)
    try:
        yield
    finally:
        expectation_class.configuration = plain


def _run_suite(
    name: str, frame: pd.DataFrame, suite_dict: dict
) -> list[tuple[str, str, list[int]]]:
    """(expectation type, column, failing row positions) for each failed expectation."""
    state = _context()
    if name not in state["batches"]:
        asset = state["source"].add_dataframe_asset(name)
        state["batches"][name] = asset.add_batch_definition_whole_dataframe(f"{name}_batch")
    suite = _suite(state, suite_dict)
    batch = state["batches"][name].get_batch(batch_parameters={"dataframe": frame})
    # Most batches pass: a yes/no pass is ~1/3 cheaper; failing rows are then listed by a
    # second, complete pass.
    with _configurations_built_once(state["gx"].expectations.Expectation):
        result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
        if not result.success:
            result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failed = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        column = (
            cfg.kwargs.get("column")
            or cfg.kwargs.get("column_A")
            or ",".join(cfg.kwargs.get("column_list", []) or [])
        )
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise ValidationFailure(
                "expectation_error",
                f"{name}: {cfg.type} on {column}: {r.exception_info.get('exception_message')}",
            )
        failed.append((cfg.type, column, list(r.result.get("unexpected_index_list") or [])))
    return failed


def _frame(table: pa.Table) -> pd.DataFrame:
    """``table`` as the pandas frame GX validates, its integer columns as int64: GX compares
    int64 and float64 columns with their bounds vectorized, but maps a Python function over
    every value of any other width (int32 here)."""
    wider = pa.schema(
        f.with_type(pa.int64()) if pa.types.is_integer(f.type) else f for f in table.schema
    )
    return (table if wider.equals(table.schema) else table.cast(wider)).to_pandas()


def _offset_failures(tables: dict[str, pa.Table]) -> dict[str, list[tuple[str, str, list[int]]]]:
    """Rows whose offsets do not slice the article text back to matched_text."""
    articles = tables["articles"]
    out: dict[str, list[tuple[str, str, list[int]]]] = {}
    for name in ("issue_mentions", "actor_mentions"):
        t = tables[name]
        bad = offset_mismatches(
            articles["article_id"],
            articles["text"],
            t["article_id"],
            t["start"],
            t["end"],
            t["matched_text"],
        )
        if bad:
            out[name] = [("offsets_slice_text", "start,end", bad)]
    return out


def validate_tables(
    tables: dict[str, pa.Table], reference: Reference, run_id: str
) -> ValidationOutcome:
    """Validate every table; move failing rows to quarantine; raise on table-level failure."""
    for name, table in tables.items():
        expected = TABLES[name].schema
        if not table.schema.equals(expected):
            raise ValidationFailure(
                "schema_drift",
                f"table {name}: columns {table.schema.names} with types {[str(t) for t in table.schema.types]} "
                f"do not match the schema {expected.names}",
            )
    params = suite_params(reference)
    failures_by_table: dict[str, list[tuple[str, str, list[int]]]] = defaultdict(list)
    with _LOCK:
        for name, table in tables.items():
            if table.num_rows == 0 or not (SUITES_DIR / f"{name}.json").exists():
                continue
            suite = load_suite(name, params)
            for type_, column, rows in _run_suite(name, _frame(table), suite):
                if type_ in TABLE_LEVEL or not rows:
                    raise ValidationFailure(
                        "table_expectation_failed",
                        f"table {name}: {type_} failed on {column or 'the table'}",
                    )
                failures_by_table[name].append((type_, column, rows))
    for name, fails in _offset_failures(tables).items():
        failures_by_table[name].extend(fails)
    if "quarantine" in failures_by_table:
        type_, column, _ = failures_by_table["quarantine"][0]
        raise ValidationFailure("quarantine_invalid", f"quarantine rows fail {type_} on {column}")
    return _apply_failures(tables, failures_by_table, run_id)


def _apply_failures(
    tables: dict[str, pa.Table], failures: dict[str, list[tuple[str, str, list[int]]]], run_id: str
) -> ValidationOutcome:
    articles = tables["articles"]
    uri_of = dict(
        zip(articles["article_id"].to_pylist(), articles["source_uri"].to_pylist(), strict=True)
    )
    sha_of = dict(
        zip(articles["article_id"].to_pylist(), articles["source_sha256"].to_pylist(), strict=True)
    )
    now = dt.datetime.now(dt.UTC)
    quarantined: list[dict] = []
    bad_articles: dict[str, str] = {}
    drop_rows: dict[str, set[int]] = defaultdict(set)
    summary = {name: {"rows": t.num_rows, "failed_rows": 0} for name, t in tables.items()}
    for name, fails in failures.items():
        ids = (
            tables[name]["article_id"].to_pylist()
            if "article_id" in tables[name].column_names
            else []
        )
        for type_, column, rows in fails:
            for i in rows:
                drop_rows[name].add(i)
                aid = ids[i] if ids else None
                detail = f"{uri_of.get(aid, aid)}: {name} row {i} failed {type_} on {column}"
                if name == "articles" and aid is not None:
                    bad_articles.setdefault(aid, detail)
                elif aid is not None:
                    quarantined.append(
                        quarantine_row(
                            Rejection(
                                uri_of.get(aid, str(aid)),
                                sha_of.get(aid, ""),
                                "validate",
                                type_,
                                detail,
                                aid,
                            ),
                            run_id,
                            now,
                        )
                    )
        summary[name]["failed_rows"] = len(drop_rows[name])
    for aid, detail in bad_articles.items():
        reason = detail.rsplit(" failed ", 1)[1].split(" on ")[0]
        quarantined.append(
            quarantine_row(
                Rejection(
                    uri_of.get(aid, aid), sha_of.get(aid, ""), "validate", reason, detail, aid
                ),
                run_id,
                now,
            )
        )
    out: dict[str, pa.Table] = {}
    for name, table in tables.items():
        mask = (
            [i not in drop_rows[name] for i in range(table.num_rows)] if drop_rows[name] else None
        )
        if mask is not None:
            table = table.filter(pa.array(mask))
        if bad_articles and name in ARTICLE_TABLES:
            table = table.filter(
                pc.invert(pc.is_in(table["article_id"], pa.array(sorted(bad_articles))))
            )
        out[name] = table
    if quarantined:
        out["quarantine"] = pa.concat_tables(
            [
                out["quarantine"],
                pa.Table.from_pylist(quarantined, schema=TABLES["quarantine"].schema),
            ]
        )
    return ValidationOutcome(out, quarantined, summary)
