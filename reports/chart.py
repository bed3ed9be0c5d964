"""The report's chart: matching articles per day, stacked by source, as PNG bytes.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
state), so it works headless and from several threads.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import AutoLocator

from warehouse.report_data import ReportData

MAX_SOURCES = 10          # the rest are drawn as one "other sources" band
OTHER = "other sources"


def _series(data: ReportData) -> tuple[list[date], dict[str, list[int]]]:
    days = [data.first_day + timedelta(days=i)
            for i in range((data.last_day - data.first_day).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    totals: dict[str, int] = {}
    for row in data.daily:
        totals[row.source] = totals.get(row.source, 0) + row.articles
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    kept = set(ranked[:MAX_SOURCES])
    series: dict[str, list[int]] = {s: [0] * len(days) for s in ranked[:MAX_SOURCES]}
    if len(ranked) > MAX_SOURCES:
        series[OTHER] = [0] * len(days)
    for row in data.daily:
        series[row.source if row.source in kept else OTHER][index[row.day]] += row.articles
    return days, series


def render_png(data: ReportData, width_px: int = 1200, height_px: int = 520) -> bytes:
    days, series = _series(data)
    # Source names and titles are untrusted: never let matplotlib read `$...$` as math.
    with rc_context({"text.parse_math": False, "font.size": 10}):
        figure = Figure(figsize=(width_px / 100, height_px / 100), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        # Matplotlib's day numbers, not dates: its stubs type the x values as floats.
        x = date2num(days)
        bottom = [0] * len(days)
        palette = [f"C{i}" for i in range(10)]
        for i, (source, counts) in enumerate(series.items()):
            colour = "#9e9e9e" if source == OTHER else palette[i % len(palette)]
            axes.bar(x, counts, bottom=bottom, label=source, color=colour, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_title(f"Matching articles per day ({data.filter.describe()}), "
                       f"{data.first_day:%d %b} to {data.last_day:%d %b %Y}, UTC")
        axes.set_ylabel("articles")
        axes.spines[["top", "right"]].set_visible(False)
        counts_axis = AutoLocator()   # the default y locator, on whole numbers
        counts_axis.set_params(integer=True)
        axes.yaxis.set_major_locator(counts_axis)
        axes.grid(axis="y", alpha=0.3)
        half_day = timedelta(hours=12)
        axes.set_xlim(date2num(datetime.combine(days[0], time()) - half_day),
                      date2num(datetime.combine(days[-1], time()) + half_day))
        axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=10))
        axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
        if series:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        else:
            axes.set_ylim(0, 1)
            axes.text(0.5, 0.5, "no matching articles in this window", ha="center",
                      va="center", transform=axes.transAxes, color="#666666")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
