"""Request logs: the entries with a filter box, and a chart of requests per hour.

    GET /_/logs         logs (filter=, page=)

The chart is an SVG drawn on the server from `logs.stats()`: no script, so it works under the console's
strict Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from baas.core.records.listing import ListQuery
from baas.errors import ApiError

from ..site import core, render

PER_PAGE = 50
CHART_WIDTH, CHART_HEIGHT = 960, 140


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/logs", "logs", logs)


def logs():
    filter_text = request.args.get("filter", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    error = ""
    result, stats = None, []
    try:
        result = core().logs.list(ListQuery(page=page, per_page=PER_PAGE, filter=filter_text, sort="-created"))
        stats = core().logs.stats(filter_text)
    except ApiError as failure:
        error = f"Invalid filter: {failure.message}"
    return render("logs.html", entries=result.items if result else [], result=result, filter=filter_text,
                  error=error, page=page, chart=chart_bars(stats))


def chart_bars(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar positions for the hourly totals, scaled to the chart's box."""
    if not stats:
        return {"bars": [], "width": CHART_WIDTH, "height": CHART_HEIGHT, "peak": 0}
    peak = max(bucket["total"] for bucket in stats)
    slot = CHART_WIDTH / len(stats)
    bars = []
    for index, bucket in enumerate(stats):
        height = max(1.0, CHART_HEIGHT * bucket["total"] / peak)
        bars.append({"x": round(index * slot, 2), "y": round(CHART_HEIGHT - height, 2), "width": round(max(slot - 2, 1), 2),
                     "height": round(height, 2), "label": f"{bucket['date'][:13]}:00 UTC: {bucket['total']} requests"})
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "peak": peak,
            "first": stats[0]["date"][:16], "last": stats[-1]["date"][:16]}
