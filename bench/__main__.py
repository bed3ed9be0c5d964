"""Print the benchmark figures: `python -m bench` (or `make bench`)."""

from __future__ import annotations

from bench import rule_matching, scraping


def main() -> None:
    print("newswatch benchmarks (medians of 5 runs; ratios against a baseline run alongside)")
    for name, figure in [*rule_matching.run(), *scraping.run()]:
        print(f"  {name:<45} {figure}")


if __name__ == "__main__":
    main()
