"""`alliance explain`: every decision of one article, the same on either engine."""

import datetime as dt
import json

import pytest

from flows import cli
from transforms import engine
from transforms.explain import explain_input, render
from transforms.ingest import InputFile
from transforms.pipeline import Extractors

# A passage we wrote: one rule hit vetoed by a negative, one whose context fails, one counted.
PASSAGE = (
    "North Korea shipped ballistic missiles to Russia last year.\n"
    "Officials in Tokyo discussed a solid-fuel missile in general terms.\n"
    "Pyongyang fired a ballistic missile on Tuesday, and Defense Minister Suh Wook called "
    "the launch a provocation."
)


def _explain(text: str, ex: Extractors):
    (one,) = explain_input(InputFile("--text", text.encode(), suffix=".txt"), ex)
    return one


def test_explain_shows_counted_vetoed_and_context_failed_matches(extractors):
    found = _explain(PASSAGE, extractors)
    verdicts = {(h.matched_text, h.verdict) for h in found.hits}
    assert ("fired a ballistic missile", "counted") in verdicts
    assert ("ballistic missiles", "vetoed") in verdicts  # an arms transfer to Russia
    vetoed = [h for h in found.hits if h.verdict == "vetoed"]
    assert all(h.why == "negative nknm_neg_arms_to_russia" for h in vetoed)
    context = [h for h in found.hits if h.matched_text == "solid-fuel missile"]
    assert context and context[0].verdict == "context" and "requires" in context[0].why
    assert "NK_NUCLEAR_MISSILE" in {i.issue_code for i in found.issues}
    suh = [a for a in found.actors if a.matched_text == "Suh Wook"]
    assert suh and suh[0].in_gazetteer and suh[0].resolution
    text = render(found)
    assert "vetoed - negative nknm_neg_arms_to_russia" in text
    assert "NK_NUCLEAR_MISSILE: score" in text and "-> assigned" in text


def test_explain_agrees_with_the_pipeline_rows(extractors):
    from transforms.ingest import decode_input
    from transforms.pipeline import process_article

    (raw,) = decode_input(InputFile("/t/a.txt", PASSAGE.encode()))
    rows = process_article(raw, extractors, run_id="r", ingested_at=dt.datetime.now(dt.UTC))
    found = _explain(PASSAGE, extractors)
    assert rows.article["issue_codes"] == ";".join(sorted(i.issue_code for i in found.issues))
    assert [tuple(a) for a in rows.tuples["actor_mentions"]] == [tuple(a) for a in found.actors]


def test_explain_is_the_same_on_either_engine(monkeypatch, reference):
    outputs = []
    for name in engine.ENGINES:
        monkeypatch.setenv(engine.ENV, name)
        found = _explain(PASSAGE, Extractors.build(reference))
        outputs.append(render(found).split("\n", 2)[2])  # past the engine line
    assert outputs[0] == outputs[1]


def test_explain_reports_a_quarantined_input(extractors):
    found = _explain(
        "Der Bundestag hat heute über den Haushalt beraten und abgestimmt.", extractors
    )
    assert found.rejected and found.rejected.startswith("normalize/not_english")
    assert "quarantined: normalize/not_english" in render(found)


def test_explain_cli_prints_text_or_json_and_answers_mistakes_in_one_line(tmp_path, capsys):
    page = tmp_path / "a.txt"
    page.write_text(PASSAGE)
    assert cli.main(["explain", str(page), "--no-sentences"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"== {page}") and "-- sentences" not in out
    assert cli.main(["explain", "--json", "--text", PASSAGE]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert "NK_NUCLEAR_MISSILE" in [i["issue_code"] for i in record["issues"]]
    assert cli.main(["explain"]) == 2
    assert capsys.readouterr().err.strip() == "alliance explain: give a FILE or --text TEXT"
    assert cli.main(["explain", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("alliance explain:") and "missing.txt" in err and "\n" not in err


@pytest.mark.parametrize("flag", ["--engine=reference", "--engine=fast"])
def test_explain_cli_takes_the_engine_flag(flag, capsys, monkeypatch):
    monkeypatch.setenv(engine.ENV, "fast")
    assert cli.main(["explain", flag, "--text", PASSAGE, "--no-sentences"]) == 0
    assert f"engine: {flag.split('=')[1]}" in capsys.readouterr().out
