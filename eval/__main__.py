"""Print the quality scores: `python -m eval` (or `make eval`)."""

from __future__ import annotations

from eval import (
    ceasefire_devset,
    dates_quality,
    extraction_quality,
    near_duplicates,
    news_html_quality,
    pubdate_quality,
    rules_quality,
    stories_quality,
    summits_quality,
    summits_stories,
)


def main() -> None:
    print("newswatch quality scores")
    for name, figure in [*rules_quality.run(), *ceasefire_devset.run(), *stories_quality.run(),
                         *near_duplicates.run(), *extraction_quality.run(),
                         *news_html_quality.run(), *pubdate_quality.run(), *dates_quality.run(),
                         *summits_quality.run(), *summits_stories.run()]:
        print(f"  {name:<48} {figure}")


if __name__ == "__main__":
    main()
