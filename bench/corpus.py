"""A deterministic synthetic corpus: .txt, .html and .jsonl articles with web clutter.

Sentences are written for the benchmark (not copied from anywhere): they draw on the
taxonomy's vocabulary and the gazetteer's names, mixed with unrelated filler, so the
extractors do realistic work. Lengths run from about 1 to 10 KB.
"""

import calendar
import json
import random
from pathlib import Path

SUBJECTS = [
    "Seoul",
    "Washington",
    "Pyongyang",
    "Beijing",
    "Tokyo",
    "South Korea",
    "the United States",
    "North Korea",
    "Japan",
    "China",
    "the allies",
    "U.S. Forces Korea",
    "the Pentagon",
]
PEOPLE = [
    "President Yoon Suk-yeol",
    "Defense Secretary Lloyd Austin",
    "Foreign Minister Park Jin",
    "Kim Jong-un",
    "Antony Blinken",
    "Fumio Kishida",
    "Xi Jinping",
    "Moon Jae-in",
    "Donald Trump",
    "Joe Biden",
    "Defense Minister Shin Won-sik",
    "Ambassador Philip Goldberg",
    "Vladimir Putin",
]
ISSUE_CLAUSES = [
    "discussed the Special Measures Agreement on cost-sharing for U.S. troops in Korea",
    "condemned the latest ballistic missile launch by North Korea",
    "agreed to expand the Nuclear Consultative Group and extended deterrence",
    "reviewed the timetable for wartime operational control transfer",
    "held joint military exercises near the DMZ",
    "raised concerns over the THAAD battery in Seongju",
    "pledged trilateral cooperation with Japan on missile warning data",
    "warned about China's military build-up and economic coercion",
    "criticized Russia's invasion of Ukraine and arms deals with Pyongyang",
    "debated tariffs, semiconductors and supply chain resilience under the KORUS FTA",
    "noted that public opinion polls show strong support for the alliance",
    "called for denuclearization talks and inter-Korean dialogue",
    "tightened sanctions enforcement on ship-to-ship transfers",
    "welcomed Seoul's contribution to peacekeeping and development assistance",
    "discussed the Indo-Pacific strategy and the Quad",
    "worked on climate change, cyber threats and pandemic preparedness",
]
FILLER = [
    "The weather in the capital was mild for the season, with light winds in the afternoon.",
    "Local markets reported steady trading volumes throughout the week.",
    "Officials declined to give further details, citing the ongoing review.",
    "The meeting lasted about two hours and ended with a short press conference.",
    "Analysts said the outcome would depend on negotiations in the coming months.",
    "A spokesperson said more information would be released later.",
    "Traffic around the venue was diverted for several hours.",
    "The statement was published in both languages on the ministry's website.",
]
CLUTTER = [
    "Go to contents",
    "Sign up for our weekly newsletter",
    "The Weekly Brief",
    "Image Credit: Staff photo",
    "Enjoying this article? Click here to subscribe for full access.",
    "No comments:",
    "Post a Comment",
]
MONTHS = list(calendar.month_name)[1:]


def article(i: int, rng: random.Random) -> tuple[str, str, str]:
    """(title, date line, body) of article ``i``."""
    target = rng.randint(1000, 10000)
    title = f"{rng.choice(SUBJECTS)} and {rng.choice(SUBJECTS)} {rng.choice(['meet', 'talk', 'disagree', 'agree'])} on {rng.choice(['security', 'trade', 'deterrence', 'alliance issues'])} ({i})"
    date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2000, 2025)}"
    paras: list[str] = []
    size = 0
    while size < target:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            if rng.random() < 0.55:
                sentences.append(
                    f"{rng.choice(PEOPLE)} and officials from {rng.choice(SUBJECTS)} {rng.choice(ISSUE_CLAUSES)}."
                )
            else:
                sentences.append(rng.choice(FILLER))
        para = " ".join(sentences)
        paras.append(para)
        size += len(para) + 2
    body = "\n\n".join(paras) + f"\n\nArticle number {i} in the benchmark corpus."
    return title, date, body


def generate(folder: Path, n: int, start: int = 0, seed: int = 7) -> dict[str, int]:
    """Write articles start..start+n-1 into ``folder``; 60% .txt, 20% .html, 20% in .jsonl files."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"txt": 0, "html": 0, "jsonl": 0}
    jsonl_lines: list[str] = []
    for i in range(start, start + n):
        rng = random.Random(seed * 1_000_003 + i)
        title, date, body = article(i, rng)
        kind = i % 10
        if kind < 6:
            clutter_top = "\n\n".join(rng.sample(CLUTTER[:1], 1))
            text = f"{clutter_top}\n\n{title}\n\n{title}\n\n{date}\n\n{body}\n\n" + "\n".join(
                CLUTTER[1:3]
            )
            (folder / f"a{i:07d}.txt").write_text(text, encoding="utf-8")
            counts["txt"] += 1
        elif kind < 8:
            paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            html = (
                f'<html><head><title>{title}</title><meta name="author" content="Staff Writer">'
                f'<meta property="article:published_time" content="{rng.randint(2000, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}">'
                f"</head><body><nav>Home | World | Opinion</nav><article><h1>{title}</h1>{paras}</article>"
                f"<footer>Copyright 2025. All rights reserved.</footer></body></html>"
            )
            (folder / f"a{i:07d}.html").write_text(html, encoding="utf-8")
            counts["html"] += 1
        else:
            jsonl_lines.append(
                json.dumps(
                    {
                        "title": title,
                        "text": body,
                        "published_at": f"{rng.randint(2000, 2025)}-01-15",
                        "url": f"https://news.example.org/a/{i}",
                    }
                )
            )
            counts["jsonl"] += 1
            if len(jsonl_lines) == 100:
                (folder / f"drop{i:07d}.jsonl").write_text(
                    "\n".join(jsonl_lines) + "\n", encoding="utf-8"
                )
                jsonl_lines = []
    if jsonl_lines:
        (folder / f"drop{start + n:07d}.jsonl").write_text(
            "\n".join(jsonl_lines) + "\n", encoding="utf-8"
        )
    return counts
