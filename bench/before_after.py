"""Time pages with the code of two checkouts on the same database, one after the other, and print a
Markdown table of the medians (used for the before-and-after table in docs/performance.md).

    .venv/bin/python bench/before_after.py BEFORE_ROOT AFTER_ROOT DATABASE_URL page,page,... [-n 20]

Each root needs bench/profile_pages.py (copy this folder into the older checkout).
"""
import os
import re
import subprocess
import sys

LINE = re.compile(r"^(\S+)\s+(\d+)\s+median\s+([\d.]+) ms")


def medians(root: str, url: str, pages: str, n: int) -> dict:
    out = subprocess.run([sys.executable, os.path.join(root, "bench", "profile_pages.py"), "-n", str(n),
                          "--only", pages], env=dict(os.environ, DATABASE_URL=url), cwd=root,
                         capture_output=True, text=True, check=True).stdout
    return {m[1]: float(m[3]) for m in map(LINE.match, out.splitlines()) if m}


def main():
    before_root, after_root, url, pages = sys.argv[1:5]
    n = int(sys.argv[sys.argv.index("-n") + 1]) if "-n" in sys.argv else 20
    rounds = [(medians(before_root, url, pages, n), medians(after_root, url, pages, n)) for _ in range(2)]
    print("| page | before ms | after ms |")
    print("|---|---:|---:|")
    for key in pages.split(","):
        before = min(r[0][key] for r in rounds)
        after = min(r[1][key] for r in rounds)
        print(f"| {key} | {before:.1f} | {after:.1f} |")


if __name__ == "__main__":
    main()
