"""The ``runs`` row of one run, as a typed record that each step replaces, never edits."""

import dataclasses
import datetime as dt
from typing import Any

from flows.version import code_version
from transforms.reference import Reference
from transforms.schema import SCHEMA_VERSION


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """One run: what it read and wrote, the versions it ran, and how it ended. A run starts
    pessimistic (``status`` failed) and becomes succeeded only with its commit."""

    run_id: str
    flow: str
    started_at: dt.datetime
    inbox: str
    taxonomy_version: str
    gazetteer_version: str
    normalizer_version: str | None
    code_version: str
    calibration_version: str | None = None
    finished_at: dt.datetime | None = None  # None: recorded with started_at
    files_seen: int = 0
    articles_new: int = 0
    inputs_skipped: int = 0
    quarantined: int = 0
    validation_success: bool = False
    validation_failures: int = 0
    table_versions: str = "{}"  # JSON: table -> Delta version after the run
    rows_written: str = "{}"  # JSON: table -> rows the run added
    schema_version: str = SCHEMA_VERSION
    status: str = "failed"

    @classmethod
    def start(
        cls, run_id: str, flow: str, started: dt.datetime, inbox: str, reference: Reference
    ) -> "RunRecord":
        """A run as it starts, stamped with the versions of what it runs."""
        return cls(
            run_id=run_id,
            flow=flow,
            started_at=started,
            inbox=inbox,
            taxonomy_version=reference.taxonomy.version,
            gazetteer_version=reference.gazetteer.version,
            normalizer_version=reference.versions.get("normalizer"),
            code_version=code_version(),
            calibration_version=reference.versions.get("calibration"),
        )

    def but(self, **changes: Any) -> "RunRecord":
        """The record with ``changes``."""
        return dataclasses.replace(self, **changes)

    def ended(self, **changes: Any) -> "RunRecord":
        """The record with ``changes``, finished now."""
        return dataclasses.replace(self, finished_at=dt.datetime.now(dt.UTC), **changes)

    def row(self) -> dict[str, Any]:
        """The ``runs`` row."""
        row = dataclasses.asdict(self)
        row["finished_at"] = self.finished_at or self.started_at
        return row
