/** The report's stylesheet, inlined into the page: no fonts or files are fetched; prints on A4 or letter. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;margin:0 auto;max-width:980px;padding:16px 24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #d5dbe3;padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:0}
.note{color:#5b6775;font-size:12px}.empty{color:#5b6775;font-style:italic}
table.data{border-collapse:collapse;margin:8px 0;font-size:13px;width:100%}
table.data caption{text-align:left;font-weight:600;padding:4px 0}
table.data th,table.data td{border-bottom:1px solid #e3e7ec;padding:3px 8px;text-align:left;vertical-align:top}
table.data .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.nw{white-space:nowrap}
tr.neg td{background:#fde8e8}tr.low td{background:#fff4d6}span.neg{color:#b3261e;font-weight:600}
li.warning{color:#8a5a00}.host{font-family:ui-monospace,Menlo,Consolas,monospace}
figure{margin:16px 0;break-inside:avoid}figcaption{margin-bottom:4px}
svg.chart{max-width:100%;height:auto;display:block;font-size:11px;background:#fff}
svg.chart text{fill:#3b4652}svg.chart .grid line{stroke:#edf0f3}svg.chart .axis line{stroke:#8a96a3}
svg.chart .band{fill:#4c8bf5;fill-opacity:.22;stroke:none}
svg.chart .history{fill:none;stroke:#1d2733;stroke-width:1.5}
svg.chart .forecast{fill:none;stroke:#1a5fd0;stroke-width:2;stroke-dasharray:6 3}
svg.chart .capacity,svg.chart .target{stroke:#c62828;stroke-width:1.5;stroke-dasharray:4 3}
svg.chart .capacity-label,svg.chart .target-label{fill:#c62828;font-weight:600}
svg.chart .now{stroke:#8a96a3;stroke-dasharray:2 3}
svg.chart .bar{fill:#2e7d32}svg.chart .bar.low{fill:#e0a100}svg.chart .bar.neg{fill:#c62828}svg.chart .zero{stroke:#1d2733}
svg.chart .point{fill:#1a5fd0;fill-opacity:.55}svg.chart .curve{fill:none;stroke:#1d2733;stroke-width:2}
svg.chart .range{fill:#c62828;fill-opacity:.12}svg.chart .knee{fill:#fff;stroke:#c62828;stroke-width:2}
details summary{cursor:pointer;color:#1a5fd0;font-size:12px}
@media print{body{max-width:none;padding:0}details{display:none}h2{break-after:avoid}}
`;
