"""Render the offline HTML report (charts embedded as PNG data, no CDN) plus PNGs for slides."""

import base64
import html
import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers or CI
import matplotlib.pyplot as plt
import pandas as pd

from flows.warehouse import Warehouse
from transforms.report_data import (
    actor_issue_edges,
    salience_over_time,
    top_actors_per_issue,
    top_speakers_per_issue,
    undated_articles,
    validation_summary,
)

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .muted{color:#666} table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;font-size:.9rem}
img{max-width:100%;border:1px solid #eee} .ok{color:#1a7f37} .bad{color:#c62828}
"""


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def chart_salience(table: pd.DataFrame) -> bytes:
    """Line chart: summed salience per period for the top issue codes."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    if table.empty:
        ax.text(0.5, 0.5, "no issue codes yet", ha="center", va="center")
        ax.set_axis_off()
    else:
        for code in table.columns:
            ax.plot(table.index, table[code], marker="o", label=code)
        ax.set_ylabel("summed salience")
        ax.set_xlabel("period")
        ax.legend(fontsize=7, ncol=2, loc="upper left")
        ax.tick_params(axis="x", rotation=45)
    ax.set_title("Issue salience over time")
    return _png(fig)


def chart_network(edges: pd.DataFrame, limit: int = 40) -> bytes:
    """Bipartite actor-issue network: issues on the left, actors on the right."""
    edges = edges.head(limit)
    fig, ax = plt.subplots(figsize=(10, 7))
    ax.set_axis_off()
    ax.set_title("Actor-issue network (shared sentences; line width = articles)")
    if edges.empty:
        ax.text(0.5, 0.5, "no actor-issue links yet", ha="center", va="center")
        return _png(fig)
    issues = sorted(edges["issue_code"].unique())
    actors = sorted(edges["actor_name"].unique())
    y_issue = {c: 1 - (i + 0.5) / len(issues) for i, c in enumerate(issues)}
    y_actor = {a: 1 - (i + 0.5) / len(actors) for i, a in enumerate(actors)}
    top = edges["articles"].max()
    for a, c, n in zip(edges["actor_name"], edges["issue_code"], edges["articles"], strict=True):
        ax.plot(
            [0.25, 0.75],
            [y_issue[c], y_actor[a]],
            color="#4a78b5",
            alpha=0.5,
            linewidth=0.5 + 3.5 * math.sqrt(n / top),
        )
    for c, y in y_issue.items():
        ax.text(0.24, y, c, ha="right", va="center", fontsize=8)
    for a, y in y_actor.items():
        ax.text(0.76, y, a, ha="left", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    return _png(fig)


def render_report(wh: Warehouse, out: Path) -> list[Path]:
    """Write ``out`` (HTML) and PNG charts beside it; returns the files written."""
    articles = wh.read(
        "articles", columns=["article_id", "published_at", "ingested_at", "title", "outlet"]
    ).to_pandas()
    issues = wh.read("article_issues").to_pandas()
    links = wh.read("actor_issue_links").to_pandas()
    runs = wh.read("runs").to_pandas()
    quarantine = wh.read("quarantine").to_pandas()
    statements = wh.read(
        "statements", columns=["article_id", "actor_id", "actor_name", "actor_type", "issue_code"]
    ).to_pandas()

    over_time = salience_over_time(issues, articles)
    edges = actor_issue_edges(links)
    tops = top_actors_per_issue(edges)
    speakers = top_speakers_per_issue(statements)
    summary = validation_summary(runs, quarantine)

    out.parent.mkdir(parents=True, exist_ok=True)
    assets = out.parent / f"{out.stem}_charts"
    assets.mkdir(exist_ok=True)
    charts = {
        "salience_over_time": chart_salience(over_time),
        "actor_issue_network": chart_network(edges),
    }
    written = [out]
    for name, data in charts.items():
        path = assets / f"{name}.png"
        path.write_bytes(data)
        written.append(path)

    def img(name: str, alt: str) -> str:
        data = base64.b64encode(charts[name]).decode()
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    rows = "".join(
        f"<tr><td>{html.escape(code)}</td><td>{html.escape(', '.join(f'{a} ({n})' for a, n in people))}</td></tr>"
        for code, people in tops.items()
    )

    def names(pairs: list[tuple[str, int]]) -> str:
        return html.escape(", ".join(f"{a} ({n})" for a, n in pairs)) or "&mdash;"

    speaker_rows = (
        "".join(
            f"<tr><td>{html.escape(code)}</td><td>{names(who['person'])}</td>"
            f"<td>{names(who['state'])}</td></tr>"
            for code, who in speakers.items()
        )
        or '<tr><td colspan="3">no reported statement addresses an issue code yet</td></tr>'
    )
    ok = summary.get("validation_success")
    reasons = "".join(
        f"<li>{html.escape(k)}: {v}</li>" for k, v in summary.get("quarantine_reasons", {}).items()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ROK-US alliance issues report</title>
<style>{CSS}</style></head>
<body>
<h1>ROK-US alliance issues</h1>
<p class="muted">{len(articles)} articles, {issues["issue_code"].nunique() if not issues.empty else 0} issue codes,
warehouse {html.escape(wh.root)}</p>
<h2 id="salience">Issue salience over time</h2>
{img("salience_over_time", "Issue salience over time")}
<p class="muted">{undated_articles(articles)} articles without a publication date are not on the time axis.</p>
<h2 id="speakers">Who raised each issue</h2>
<p class="muted">People, then states, whose reported words address the code (the
<code>statements</code> table), by articles; bylines and photo credits never count.</p>
<table><tr><th>issue code</th><th>people (articles)</th><th>states (articles)</th></tr>{speaker_rows}</table>
<h2 id="top-actors">Top actors per issue</h2>
<table><tr><th>issue code</th><th>actors (articles)</th></tr>{rows}</table>
<h2 id="network">Actor-issue network</h2>
{img("actor_issue_network", "Actor-issue network")}
<h2 id="validation">Latest run</h2>
<table>
<tr><th>run</th><td>{html.escape(str(summary.get("run_id", "none")))}</td></tr>
<tr><th>status</th><td>{html.escape(str(summary.get("status", "")))}</td></tr>
<tr><th>validation</th><td class="{"ok" if ok else "bad"}">{"passed" if ok else "rows quarantined"}
 ({summary.get("validation_failures", 0)} failing rows)</td></tr>
<tr><th>new articles</th><td>{summary.get("articles_new", 0)}</td></tr>
<tr><th>skipped</th><td>{summary.get("inputs_skipped", 0)}</td></tr>
<tr><th>quarantined</th><td>{summary.get("quarantined", 0)}</td></tr>
<tr><th>taxonomy</th><td>{html.escape(str(summary.get("taxonomy_version", "")))}</td></tr>
</table>
<ul>{reasons}</ul>
<script>
window.addEventListener("load", function () {{
  var imgs = Array.prototype.slice.call(document.images);
  document.body.setAttribute("data-images-ok",
    String(imgs.length > 0 && imgs.every(function (i) {{ return i.complete && i.naturalWidth > 0; }})));
}});
</script>
</body></html>
"""
    out.write_text(page, encoding="utf-8")
    return written
