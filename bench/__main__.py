"""Print the benchmark figures: `python -m bench` (or `make bench`)."""

from __future__ import annotations

from bench import (
    alert_latency,
    host_limits,
    idle_profile,
    loading,
    memory,
    peer,
    prefect_overhead,
    read_copy,
    rule_matching,
    scale_sizing,
    scraping,
    sitemaps,
    startup,
    throughput,
)


def main() -> None:
    print("newswatch benchmarks (medians of 5 runs; ratios against a baseline run alongside)")
    for module in (startup, rule_matching, scraping, sitemaps, prefect_overhead, idle_profile,
                   host_limits, loading, read_copy, throughput, scale_sizing, peer, memory,
                   alert_latency):
        for name, figure in module.run():
            print(f"  {name:<45} {figure}", flush=True)


if __name__ == "__main__":
    main()
