"""The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from jobcrawl.report.data import COVERAGE_FIELDS
from jobcrawl.report.figures import all_charts

if TYPE_CHECKING:
    from jobcrawl.report.data import Coverage, ReportData, RunRow

STATUSES = ("ok", "failed", "incomplete", "unhealthy", "running")
# The page may load nothing and run nothing: even markup slipped past escaping stays inert.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;
max-width:1200px;padding:16px 24px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dl.summary dt{color:#555}dl.summary dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px}
.status-ok{background:#1a7f37}.status-failed{background:#cf222e}
.status-unhealthy{background:#bc4c00}.status-running{background:#0969da}
.status-incomplete{background:#8250df}
.status-other{background:#6e7781}
.monitor{color:#bc4c00}
.scroll{overflow-x:auto}td.nowrap{white-space:nowrap}
td.wrap{max-width:16em;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:minmax(0,960px);gap:16px}
figure.chart{margin:0;border:1px solid #ddd;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}
svg.plot{width:100%;height:auto;display:block}
.grid{stroke:#e3e3e3}.tick,.x-label{font-size:12px;fill:#555}
ul.legend{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;
font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
.empty-note{color:#555;font-style:italic}
footer{margin-top:28px;color:#555;font-size:12px}
"""


def render(data: ReportData) -> str:
    """The whole page for `data`; every string from the database is escaped."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>jobcrawl report \N{EN DASH} {escape(data.database)}</title>",
        f"<style>{STYLE}</style></head><body>",
        summary(data),
        '<section id="runs"><h2>Recent runs</h2>', runs_table(data), "</section>",
        '<section id="charts"><h2>Charts</h2><div class="charts">',
        *all_charts(data), "</div></section>",
        '<section id="coverage"><h2>Field coverage</h2>', coverage_table(data.coverage),
        "</section>",
        FOOTER,
        "</body></html>",
        "",
    ])


def summary(data: ReportData) -> str:
    totals = data.totals
    rows = [
        ("database", data.database),
        ("generated", data.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("jobcrawl", data.version),
        ("ads stored", f"{totals.ads:,}"),
        ("live ads (not expired)", f"{totals.live:,}"),
    ]
    if data.latest is not None:
        rows.append((f"active on {data.latest.snapshot.isoformat()}", f"{data.latest.active:,}"))
    rows.append(("sources", f"{totals.sources:,}"))
    options = data.options
    if options.sources:
        rows.append(("only sources", ", ".join(options.sources)))
    if options.since is not None:
        rows.append(("runs and periods since", options.since.isoformat()))
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    note = ("" if totals.ads or data.runs
            else '<p class="empty-note" id="empty-database">This database holds no ads and '
                 "no crawl runs yet: run a crawl, then the report again.</p>")
    return f'<header><h1>jobcrawl report</h1><dl class="summary">{items}</dl>{note}</header>'


# (header, cell class): numbers right-aligned, long strings from the web wrapped anywhere.
RUN_HEADERS = (("started (UTC)", "nowrap"), ("spider", ""), ("source", "wrap"),
               ("duration", "n"), ("status", ""), ("new", "n"), ("updated", "n"),
               ("unchanged", "n"), ("touched", "n"), ("dropped", "n"), ("errors", "n"),
               ("requests", "n"), ("finish reason", "wrap"), ("failed monitors", "wrap"))


def runs_table(data: ReportData) -> str:
    if not data.runs:
        return '<p class="empty-note">No crawl runs recorded.</p>'
    head = "".join(f"<th{_class(css)}>{escape(name)}</th>" for name, css in RUN_HEADERS)
    body = "".join(_run(run) for run in data.runs)
    shown = f"the newest {len(data.runs)} runs" if len(data.runs) > 1 else "the newest run"
    return (f'<p>{shown}, newest first (--runs {data.options.runs})</p>'
            f'<div class="scroll"><table id="runs-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _run(run: RunRow) -> str:
    status = run.status if run.status in STATUSES else "other"
    monitors = "<br>".join(f'<span class="monitor">{escape(message)}</span>'
                           for message in run.failed_monitors)
    cells = [
        escape(run.started.strftime("%Y-%m-%d %H:%M:%S")), escape(run.spider),
        escape(run.source or "-"), escape(run.duration),
        f'<span class="badge status-{status}">{escape(run.status)}</span>',
        *(f"{value:,}" for value in (run.new, run.updated, run.unchanged, run.touched,
                                     run.dropped, run.errors, run.requests)),
        escape(run.finish_reason or "-"), monitors,
    ]
    tds = "".join(f"<td{_class(css)}>{cell}</td>"
                  for cell, (_, css) in zip(cells, RUN_HEADERS, strict=True))
    return f'<tr data-run="{escape(run.id)}">{tds}</tr>'


def coverage_table(coverage: list[Coverage]) -> str:
    if not coverage:
        return '<p class="empty-note">No ads stored.</p>'
    head = "<th>source</th><th class=\"n\">ads</th>" + "".join(
        f'<th class="n">{escape(name)}</th>' for name in COVERAGE_FIELDS)
    rows = "".join(
        f"<tr><td>{escape(row.source)}</td><td class=\"n\">{row.ads:,}</td>"
        + "".join(f'<td class="n">{row.filled[name] / row.ads:.0%}</td>'
                  for name in COVERAGE_FIELDS)
        + "</tr>"
        for row in coverage
    )
    return (f'<table id="coverage-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _class(css: str) -> str:
    return f' class="{css}"' if css else ""


FOOTER = """<footer><p>Runs: stored = new + updated + unchanged; touched = known ads seen on a
listing and not fetched again. Error rate = ERROR log lines / requests sent; drop rate = items
dropped / items scraped (stored + dropped); a run without requests or items has no rate.
Coverage: share of a source's stored ads with the field non-empty (salary: any salary text or
figure). New = ads first seen in the period; active = ads active on the period's last day (or
on the last day any ad was seen), by the rule of <code>scrapy counts</code>. Times are UTC.</p>
</footer>"""
