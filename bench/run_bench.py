"""Benchmark: I/O floor, full run, incremental run, per-stage time and peak RSS, at two sizes.

Usage: python bench/run_bench.py [--n 100000] [--small 10000] [--out bench/out]
Prints a table and writes bench/out/results.json. `make bench` runs the default sizes.
Absolute times drift on shared machines: compare the ratios measured in one run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.corpus import generate  # noqa: E402

MEASURE = """
import os, resource, subprocess, sys, time, json


def tree_rss_kib(root):
    # Resident KiB of root and all its descendants, from /proc (Linux).
    children, rss = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/statm") as fh:
                rss[int(pid)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(pid))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


t = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
tree_peak = 0
while p.poll() is None:
    tree_peak = max(tree_peak, tree_rss_kib(p.pid))
    time.sleep(0.25)
out, err = p.communicate()
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, largest single descendant
print(json.dumps({"wall": wall, "rc": p.returncode, "rss_kib": rss, "tree_rss_kib": tree_peak,
                  "stdout": out, "stderr": err[-4000:]}))
"""


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` in a fresh wrapper process: wall time, exit code, peak RSS of its largest
    process and of its whole process tree (sampled every 0.25 s)."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def io_floor(folder: Path, target: Path) -> float:
    """Read every file, decode it, write the texts to one Parquet file: the I/O floor."""
    t = time.perf_counter()
    paths, texts = [], []
    for path in sorted(folder.iterdir()):
        data = path.read_bytes().decode("utf-8")
        if path.suffix == ".jsonl":
            for i, line in enumerate(data.splitlines()):
                paths.append(f"{path}#L{i + 1}")
                texts.append(line)
        else:
            paths.append(str(path))
            texts.append(data)
    pq.write_table(pa.table({"path": paths, "text": texts}), target)
    return time.perf_counter() - t


def alliance(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def run_size(n: int, work: Path) -> dict:
    """All measurements at corpus size ``n``."""
    corpus, wh, empty = work / f"corpus_{n}", work / f"wh_{n}", work / "empty"
    for p in (corpus, wh):
        shutil.rmtree(p, ignore_errors=True)
    empty.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    counts = generate(corpus, n)
    generated = time.perf_counter() - t
    floor = io_floor(corpus, work / f"floor_{n}.parquet")
    startup = measure(
        alliance(
            "run",
            "--inbox",
            str(empty),
            "--warehouse",
            str(work / "wh_startup"),
            "--no-report",
            "--json",
        )
    )
    full = measure(
        alliance("run", "--inbox", str(corpus), "--warehouse", str(wh), "--no-report", "--json")
    )
    if full["rc"] != 0:
        raise SystemExit(f"full run failed: {full['stderr']}")
    summary = json.loads(full["stdout"])
    extra = max(1, n // 100)
    generate(corpus, extra, start=n)  # 1% new articles (new files)
    incr = measure(
        alliance("run", "--inbox", str(corpus), "--warehouse", str(wh), "--no-report", "--json")
    )
    if incr["rc"] != 0:
        raise SystemExit(f"incremental run failed: {incr['stderr']}")
    incr_summary = json.loads(incr["stdout"])
    # The flow measures itself from its first line to its summary: Prefect's server start and
    # the interpreter's imports (reported apart, as the empty-inbox run) are outside it.
    run_s = max(1e-6, summary["flow_seconds"])
    incr_s = max(1e-6, incr_summary["flow_seconds"])
    # The stages' time inside the batches, summed over the workers (one per core): about their
    # CPU time, per article and as a share of the cores' time in the run.
    busy = sum(summary["stage_seconds"].values())
    cores = os.cpu_count() or 1
    return {
        "n": n,
        "files": counts,
        "corpus_seconds": round(generated, 2),
        "io_floor_seconds": round(floor, 4),
        "prefect_startup_seconds": round(startup["wall"], 2),
        "full_run_wall_seconds": round(full["wall"], 2),
        "full_run_seconds": round(run_s, 4),
        "articles_written": summary["articles_new"],
        "articles_per_second": round(summary["articles_new"] / run_s, 1),
        "ratio_to_io_floor": round(run_s / floor, 1),
        "incremental_new_articles": incr_summary["articles_new"],
        "incremental_seconds": round(incr_s, 4),
        "incremental_ratio": round(incr_s / run_s, 4),
        "stage_cpu_seconds": summary["stage_seconds"],
        "stage_ms_per_article": round(busy / max(1, summary["articles_new"]) * 1000, 3),
        "workers_busy_share": round(busy / (cores * run_s), 3),
        "peak_rss_mib": round(full["rss_kib"] / 1024, 1),
        "peak_tree_rss_mib": round(full["tree_rss_kib"] / 1024, 1),
        "incremental_peak_rss_mib": round(incr["rss_kib"] / 1024, 1),
        "cores": cores,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="large corpus size (default 100000)")
    parser.add_argument(
        "--small", type=int, default=10_000, help="small corpus size (default 10000)"
    )
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "out"), help="folder for corpora and results"
    )
    args = parser.parse_args()
    work = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    results = [run_size(args.small, work), run_size(args.n, work)]
    large, small = results[1], results[0]
    report = {
        "results": results,
        "rss_growth_large_vs_small": round(large["peak_rss_mib"] / small["peak_rss_mib"], 3),
        "tree_rss_growth_large_vs_small": round(
            large["peak_tree_rss_mib"] / max(1.0, small["peak_tree_rss_mib"]), 3
        ),
        "time_growth_per_article": round(
            (large["full_run_seconds"] / large["n"]) / (small["full_run_seconds"] / small["n"]), 3
        ),
    }
    (work / "results.json").write_text(json.dumps(report, indent=2))
    head = [
        "N",
        "articles/s",
        "run s",
        "I/O floor s",
        "x floor",
        "incr s",
        "incr ratio",
        "peak RSS MiB",
        "tree RSS MiB",
        "startup s",
        "stage ms/article",
        "busy share",
    ]
    print(" | ".join(head))
    for r in results:
        print(
            " | ".join(
                str(v)
                for v in (
                    r["n"],
                    r["articles_per_second"],
                    r["full_run_seconds"],
                    r["io_floor_seconds"],
                    r["ratio_to_io_floor"],
                    r["incremental_seconds"],
                    r["incremental_ratio"],
                    r["peak_rss_mib"],
                    r["peak_tree_rss_mib"],
                    r["prefect_startup_seconds"],
                    r["stage_ms_per_article"],
                    r["workers_busy_share"],
                )
            )
        )
    for r in results:
        print(f"N={r['n']} stage CPU seconds: {r['stage_cpu_seconds']}")
    print(
        f"peak RSS at N={large['n']} / N={small['n']}: largest process "
        f"{report['rss_growth_large_vs_small']}, whole process tree "
        f"{report['tree_rss_growth_large_vs_small']}"
    )
    print(f"results: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
