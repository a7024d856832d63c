"""Typed run settings in one place: defaults, overridable by ALLIANCE_* variables and CLI flags."""

import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _flag(value: str) -> bool:
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Settings of one run."""

    inbox: str = str(REPO_ROOT / "seeds" / "articles")
    """Folder of input files (.txt, .html/.htm, .json, .jsonl)."""
    warehouse: str = "warehouse"
    """Root of the Delta tables: a local folder or an object-store URI."""
    batch_size: int = 1000
    """Files per Prefect task at most; tasks run over batches, never one per article."""
    batch_bytes: int = 6 * 1024 * 1024
    """Input bytes per Prefect task at most: a batch also closes at this size, so JSON Lines
    drops of many articles each do not make one giant, late, memory-hungry task. About what
    ``batch_size`` files of news text take (1,000 x 5-6 KB), so a batch of drops holds about
    as many articles as a batch of files and the largest batch, which sets a worker's peak
    memory, is the same at any corpus size (README, Performance)."""
    max_file_bytes: int = 20 * 1024 * 1024
    """Inputs larger than this are quarantined unread."""
    max_article_chars: int = 500_000
    """Articles whose decoded text is longer than this are quarantined unprocessed (extraction
    time grows faster than the text; no news article comes near it)."""
    workers: int = os.cpu_count() or 1
    """Worker processes a run with two batches or more uses (1: the batches run on threads of
    the flow's process); ``alliance run``, scheduled runs and backfills alike."""
    lock_timeout: float = 600.0
    """Seconds a run waits for another run's writer lock on the same warehouse."""
    feed_allow: str = ""
    """Networks feeds may reach although not public, comma-separated ("127.0.0.1,10.0.0.0/8"):
    loopback, link-local, private and multicast addresses are refused otherwise."""
    feed_fetch_seconds: float = 60.0
    """Deadline of one fetch (a feed or a page, redirects included), however the server trickles."""
    feed_stage_seconds: float = 300.0
    """Deadline of all the fetching of a run; pages not fetched by then wait for the next run."""
    report: bool = True
    """Render <warehouse>/_report/report.html after each run (reads whole tables: off for big backfills)."""

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Defaults, then ALLIANCE_<FIELD> variables, then explicit non-None overrides."""
        values: dict[str, object] = {}
        for f in fields(cls):
            env = os.environ.get(f"ALLIANCE_{f.name.upper()}")
            if env is not None:
                kinds: dict[object, Callable[[str], object]] = {
                    int: int,
                    "int": int,
                    float: float,
                    "float": float,
                    bool: _flag,
                    "bool": _flag,
                }
                kind = kinds.get(f.type, str)
                values[f.name] = kind(env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
