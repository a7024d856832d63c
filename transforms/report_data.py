"""Aggregations behind the HTML report: pure functions over DataFrames."""

import pandas as pd


def salience_over_time(
    article_issues: pd.DataFrame, articles: pd.DataFrame, top: int = 8
) -> pd.DataFrame:
    """Summed salience per period (rows) and issue code (columns), for the ``top`` codes.

    The period is the year when the articles span more than three years, else the month.
    Articles without a publication date are left out (see ``undated_articles``).
    """
    if article_issues.empty:
        return pd.DataFrame()
    when = pd.to_datetime(articles.set_index("article_id")["published_at"]).rename("date")
    # A join, not a map: rows of articles not in ``articles`` (none at all, even) are dropped
    # instead of turning the date column into floats.
    frame = article_issues[["article_id", "issue_code", "salience"]].join(
        when, on="article_id", how="inner"
    )
    frame = frame.dropna(subset=["date"])
    if frame.empty:
        return pd.DataFrame()
    span_years = (frame["date"].max() - frame["date"].min()).days / 365.25 if len(frame) else 0
    frame["period"] = (
        frame["date"].dt.year.astype(str) if span_years > 3 else frame["date"].dt.strftime("%Y-%m")
    )
    codes = (
        frame.groupby("issue_code")["salience"].sum().sort_values(ascending=False).head(top).index
    )
    table = frame[frame["issue_code"].isin(codes)].pivot_table(
        index="period", columns="issue_code", values="salience", aggfunc="sum", fill_value=0.0
    )
    return table.sort_index()[list(codes)]


def undated_articles(articles: pd.DataFrame) -> int:
    """Articles with no publication date (not placed on the time axis)."""
    return int(articles["published_at"].isna().sum())


def actor_issue_edges(
    links: pd.DataFrame, actor_types: tuple[str, ...] = ("person", "state")
) -> pd.DataFrame:
    """(actor_name, issue_code, articles): in how many articles an actor and a code share a sentence."""
    if links.empty:
        return pd.DataFrame(columns=["actor_name", "issue_code", "articles"])
    frame = links[links["actor_type"].isin(actor_types)]
    edges = (
        frame.drop_duplicates(["article_id", "actor_id", "issue_code"])
        .groupby(["actor_name", "issue_code"])
        .size()
        .rename("articles")
        .reset_index()
    )
    return edges.sort_values(
        ["articles", "actor_name", "issue_code"], ascending=[False, True, True], ignore_index=True
    )


def top_actors_per_issue(edges: pd.DataFrame, n: int = 5) -> dict[str, list[tuple[str, int]]]:
    """For each issue code, its ``n`` most frequent co-mentioned actors."""
    out: dict[str, list[tuple[str, int]]] = {}
    for code, group in edges.groupby("issue_code"):
        top = group.sort_values(["articles", "actor_name"], ascending=[False, True]).head(n)
        out[str(code)] = [
            (str(a), int(c)) for a, c in zip(top["actor_name"], top["articles"], strict=True)
        ]
    return dict(sorted(out.items()))


def top_speakers_per_issue(
    statements: pd.DataFrame, n: int = 5
) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """For each issue code, who raised it: the ``n`` people, then the ``n`` states, with the
    most articles in which their reported words address the code (``statements``)."""
    out: dict[str, dict[str, list[tuple[str, int]]]] = {}
    if statements.empty:
        return out
    frame = statements.dropna(subset=["issue_code"]).drop_duplicates(
        ["article_id", "actor_id", "issue_code"]
    )
    counts = (
        frame.groupby(["issue_code", "actor_type", "actor_name"]).size().rename("articles")
    ).reset_index()
    for (code, kind), group in counts.groupby(["issue_code", "actor_type"]):
        if kind not in ("person", "state"):
            continue
        top = group.sort_values(["articles", "actor_name"], ascending=[False, True]).head(n)
        out.setdefault(str(code), {"person": [], "state": []})[str(kind)] = [
            (str(a), int(c)) for a, c in zip(top["actor_name"], top["articles"], strict=True)
        ]
    return dict(sorted(out.items()))


def validation_summary(runs: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """The latest run's counts and validation outcome, with its quarantine reasons."""
    if runs.empty:
        return {}
    last = runs.sort_values("started_at").iloc[-1]
    mine = (
        quarantine[quarantine["run_id"] == last["run_id"]] if not quarantine.empty else quarantine
    )
    reasons = mine["reason"].value_counts().to_dict() if not mine.empty else {}
    return {
        "run_id": last["run_id"],
        "status": last["status"],
        "finished_at": str(last["finished_at"]),
        "articles_new": int(last["articles_new"]),
        "inputs_skipped": int(last["inputs_skipped"]),
        "quarantined": int(last["quarantined"]),
        "validation_success": bool(last["validation_success"]),
        "validation_failures": int(last["validation_failures"]),
        "taxonomy_version": last["taxonomy_version"],
        "quarantine_reasons": {str(k): int(v) for k, v in reasons.items()},
    }
