"""Time how a Markdown story's body is split into criteria: line by line, and with markdown-it.

Usage: python benchmarks/markdown_structure.py [--stories 1000] [--repeat 5]

A body with no fence, doc string, HTML or indented `#` line takes its headings line by line; any other goes
through markdown-it. Both are timed on the bodies of the generate benchmark's synthetic stories, and checked
to give the same headings.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from generate import story_markdown
from uatkit.stories import markdown


def median_time(action: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of `repeat` runs of `action`."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    """Print both timings and their ratio; exit 1 when the two ways disagree on any body."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    bodies = []
    for number in range(1, args.stories + 1):
        lines = story_markdown(rng, number, 5).splitlines()
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        bodies.append(lines[end + 1 :])
    markdown._parser()  # built once per process, as when a catalogue is read
    plain = median_time(lambda: [markdown._structure(b) for b in bodies], args.repeat)
    parsed = median_time(lambda: [markdown._parsed_structure(b) for b in bodies], args.repeat)
    same = all(markdown._structure(b) == markdown._parsed_structure(b) for b in bodies)
    print(f"{args.stories:,} story bodies, median of {args.repeat}")
    print(f"line by line (no block that can hide a heading): {plain:.3f} s")
    print(f"markdown-it block parse:                         {parsed:.3f} s  ({parsed / plain:.1f}x)")
    print(f"same headings both ways: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
