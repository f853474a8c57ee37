"""Write the measured part of docs/performance.md from bench/run.py's raw results.

    .venv/bin/python bench/report.py [docs/performance-run.json]

Everything between the `bench:begin` and `bench:end` markers is replaced; the rest of the document
(what each row measures, the fixes and their before and after) is kept as written.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DOC = os.path.join(ROOT, "docs", "performance.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
GOAL_P95_MS = {1: 50.0, 10: 100.0}
GOAL_SHARE = 0.10


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def verdict(r: dict, scale: int) -> str:
    bad = []
    if r["p95_us"] / 1000 > GOAL_P95_MS[scale]:
        bad.append("p95")
    if r["share"] < GOAL_SHARE:
        bad.append("throughput")
    return "meets" if not bad else "misses: " + ", ".join(bad)


def run_table(run: dict, scale: int, titles: dict) -> list[str]:
    floor = run["floor"]
    out = ["| page | role | req/s | p50 ms | p95 ms | p99 ms | share of floor | errors | goal |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|",
           f"| *floor: Flask hello* | – | {floor['rps']:.0f} | {ms(floor['p50_us'])} | {ms(floor['p95_us'])} | "
           f"{ms(floor['p99_us'])} | 100% | {floor['status_errors'] + floor['timeouts']} | |"]
    for key, r in run["pages"].items():
        t = titles[key]
        out.append(f"| {t['title']} | {t['role'] or 'none'} | {r['rps']:.0f} | {ms(r['p50_us'])} | {ms(r['p95_us'])} | "
                   f"{ms(r['p99_us'])} | {100 * r['share']:.1f}% | {r['status_errors'] + r['timeouts']} | "
                   f"{verdict(r, scale)} |")
    return out


def render(report: dict) -> str:
    m = report["machine"]
    s = report["settings"]
    titles = report["titles"]
    lines = [BEGIN, "", f"## Results of one run ({report['started']} UTC, {report['seconds'] / 60:.1f} min)", "",
             "**Machine.** " + f"{m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']} (kernel "
             f"{m['kernel']}); Python {m['python']}, SQLite {m['sqlite']}, {m['postgresql']}, {m['wrk']}. "
             f"Load average when the run began {m['load'][0]:.1f} and when it ended {m['load_after'][0]:.1f} "
             f"(1 minute).", "",
             f"**Settings.** gunicorn, {s['workers']} sync workers (2 per core), on 127.0.0.1; wrk with "
             f"{s['threads']} threads and {s['connections']} connections, {s['duration_s']:g} s per page after "
             f"every worker has served the page once; wrk runs on the same cores. 1x is "
             f"{s['schools_1x']:,} schools, 10x is {10 * s['schools_1x']:,}.", ""]
    lines += ["### Building and importing", "",
              "| database | district | migrate s | load the plan s | build the demo district s | "
              "import 100,000 baseline rows s |", "|---|---|---:|---:|---:|---:|"]
    for label, b in report["builds"].items():
        db, scale = label.rsplit("-", 1)
        imp = f"{b['import']:.1f} ({b['baseline_rows']:,} rows)" if "import" in b else "–"
        lines.append(f"| {db} | {scale} | {b['migrate']:.1f} | {b['seed']:.1f} | {b['demo']:.1f} | {imp} |")
    lines += ["", "Each time is the whole `flask` command, process start-up included. Goals: the 1x demo "
              "district in under 30 s, 100,000 baseline rows in under 20 s.", ""]
    summary = []
    for label, run in report["runs"].items():
        db, scale_text = label.rsplit("-", 1)
        scale = int(scale_text.rstrip("x"))
        lines += [f"### {db}, {scale_text} ({scale * s['schools_1x']:,} schools): p95 goal "
                  f"{GOAL_P95_MS[scale]:.0f} ms, throughput goal {100 * GOAL_SHARE:.0f}% of the floor", ""]
        lines += run_table(run, scale, titles)
        approve = run["pages"].get("approve")
        if approve and "plans" in approve:
            lines += ["", f"Approve: {approve['plans']:,} plans waiting, {approve['requests']:,} requests; its "
                          "rate is the connections over the mean time a request took (a wrk thread stops when "
                          "its share of the plans is approved, or when the run's time is up)."]
        lines.append("")
        met = [k for k, r in run["pages"].items() if verdict(r, scale) == "meets"]
        summary.append(f"| {db} | {scale_text} | {len(met)} of {len(run['pages'])} | "
                       + ", ".join(titles[k]["title"] for k in met) + " |")
    lines += ["### Summary", "", "| database | district | pages meeting both goals | which |", "|---|---|---|---|",
              *summary, "", END]
    return "\n".join(lines)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "performance-run.json")
    with open(path) as fh:
        report = json.load(fh)
    block = render(report)
    doc = open(DOC).read() if os.path.exists(DOC) else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    with open(DOC, "w") as fh:
        fh.write(doc)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
