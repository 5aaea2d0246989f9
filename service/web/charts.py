"""The dashboard's charts, drawn on the server as SVG by pygal (no script, no web font); the
page shows each beside a table of the same numbers."""

from __future__ import annotations

import pygal
from pygal.style import Style

from service.cases.insight import Dashboard
from service.i18n.catalogs import translations

CHARTS = ("complaints", "sla", "csat")
STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, sans-serif",
    colors=("#1f4e99", "#b35c00", "#2e7d32", "#9b0000", "#6a1b9a", "#00695c", "#5d4037"),
)


def _chart(kind: type[pygal.graph.graph.Graph], **options: object) -> pygal.graph.graph.Graph:
    return kind(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=360,
        legend_at_bottom=True,
        print_values=False,
        **options,
    )


def chart_svg(view: Dashboard, chart: str, locale: str) -> str:
    """One of CHARTS: complaints per day by language, SLA attainment per team (per cent), or
    the mean CSAT score per team."""
    t = translations(locale)
    if chart == "complaints":
        bars = _chart(pygal.StackedBar, x_label_rotation=45, show_minor_x_labels=False)
        bars.x_labels = [day.isoformat() for day in view.days]
        bars.x_labels_major = bars.x_labels[:: max(1, len(view.days) // 10)]
        for language, counts in sorted(view.by_language.items()):
            bars.add(language, counts)
    elif chart == "sla":
        bars = _chart(pygal.Bar, range=(0, 100))
        teams = sorted(view.sla_by_team)
        bars.x_labels = teams
        # NOTE: Series of the SLA chart: share of first responses given in time (per cent).
        bars.add(
            t.gettext("First response"),
            [_percent(view.sla_by_team[k].first_response) for k in teams],
        )
        # NOTE: Series of the SLA chart: share of complaints resolved in time (per cent).
        bars.add(t.gettext("Resolution"), [_percent(view.sla_by_team[k].resolution) for k in teams])
    elif chart == "csat":
        bars = _chart(pygal.Bar, range=(1, 5), show_legend=False)
        teams = sorted(view.csat_by_team)
        bars.x_labels = teams
        # NOTE: Series of the satisfaction chart: mean survey score (1 to 5) per team.
        bars.add(t.gettext("Mean score"), [view.csat_by_team[k].mean for k in teams])
    else:
        raise KeyError(chart)
    return str(bars.render(is_unicode=True))


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)
