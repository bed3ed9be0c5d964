"""Small HTML helpers shared by the three outlet layouts."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

from demo.views import Link


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def join_names(names: list[str]) -> str:
    """Names the way bylines read them: "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def byline_html(names: list[str], name_class: str) -> str:
    """'By <span>A</span> and <span>B</span>' with each name marked up on its own."""
    marked = [f'<span class="{name_class}">{esc(name)}</span>' for name in names]
    if len(marked) <= 1:
        return "By " + "".join(marked)
    return "By " + ", ".join(marked[:-1]) + " and " + marked[-1]


def time_tag(when: datetime, text: str, css_class: str = "") -> str:
    class_attr = f' class="{css_class}"' if css_class else ""
    return f'<time{class_attr} datetime="{when.isoformat()}">{esc(text)}</time>'


def body_paragraphs(paragraphs: list[str], dateline: str | None, dateline_html: str = "") -> str:
    """Body as <p> elements; the dateline opens the first paragraph like in print."""
    out: list[str] = []
    for index, text in enumerate(paragraphs):
        if index == 0 and dateline:
            lead = dateline_html or esc(dateline)
            out.append(f"<p>{lead} — {esc(text)}</p>")
        else:
            out.append(f"<p>{esc(text)}</p>")
    return "\n".join(out)


def link_items(links: Iterable[Link], item_class: str = "") -> str:
    class_attr = f' class="{item_class}"' if item_class else ""
    return "\n".join(
        f'<li{class_attr}><a href="{esc(link.href)}">{esc(link.text)}</a></li>' for link in links
    )


def footer_link_items(labels: Iterable[str]) -> str:
    # Footer destinations are not part of the demo, so they point nowhere on purpose.
    return "\n".join(f'<li><a href="#">{esc(label)}</a></li>' for label in labels)


def clock_12h(when: datetime) -> str:
    hour = when.hour % 12 or 12
    suffix = "AM" if when.hour < 12 else "PM"
    return f"{hour}:{when.minute:02d} {suffix}"
