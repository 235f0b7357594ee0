/**
 * The kaizen report for people: a table in the terminal, or one self-contained HTML page whose
 * script draws the build graph coloured by state and the trends as charts from the data it
 * carries (no network, no libraries). Pure.
 */
import type { Metrics, Report } from "./metrics.js";

/** One component on the graph: its dependencies and its state on the board now. */
export interface GraphNode {
  name: string;
  dependsOn: string[];
  state: string;
}

const percent = (value: number | null) => (value === null ? "-" : `${Math.round(value * 100)}%`);
const decimal = (value: number | null) => (value === null ? "-" : value.toFixed(1));

export function duration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}m`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}

function row(name: string, m: Metrics): string[] {
  const failures = Object.values(m.failuresByCheck).reduce((a, b) => a + b, 0);
  const tokens = m.tokens.input + m.tokens.output;
  return [
    name, String(m.builds), percent(m.firstPassYield), decimal(m.meanAttempts), duration(m.leadTime.meanMs), String(failures),
    String(m.refusals), String(m.questions), String(m.rejections + m.adoptions), tokens === 0 ? "-" : String(tokens), m.cost === null ? "-" : `$${m.cost.toFixed(2)}`,
  ];
}

export function formatReport(report: Report, system: string): string {
  const table = [
    ["", "BUILDS", "FIRST-PASS", "ATTEMPTS", "LEAD TIME", "CHECK FAILS", "REFUSALS", "QUESTIONS", "OVERRIDES", "TOKENS", "COST"],
    row("overall", report.overall),
    ...Object.entries(report.components).map(([name, m]) => row(name, m)),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd());
  const failures = Object.entries(report.overall.failuresByCheck).sort(([, a], [, b]) => b - a).map(([check, n]) => `${check} ${n}`);
  const trust = Object.entries(report.components).filter(([, m]) => m.trust).map(([name, m]) => `  ${name} (${m.trust!.autonomy}): ${m.trust!.recommendation}: ${m.trust!.why}`);
  return [
    `phoenix report: ${system}, ${report.overall.builds} build${report.overall.builds === 1 ? "" : "s"}${report.since ? ` since ${report.since}` : ""}`,
    "",
    ...lines,
    "",
    `Failing checks: ${failures.length > 0 ? failures.join(", ") : "none"}`,
    ...(trust.length > 0 ? ["Trust (phoenix recommends, a person decides by editing the spec):", ...trust] : []),
    "",
  ].join("\n");
}

export function reportHtml(report: Report, system: string, graph: readonly GraphNode[]): string {
  const data = JSON.stringify({ report, graph }).replace(/</g, "\\u003c");
  const table = formatReport(report, system).split("\n").slice(2);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>phoenix report: ${escape(system)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #111827; }
  pre { background: #f3f4f6; padding: 1rem; overflow-x: auto; }
  svg { background: #fafafa; border: 1px solid #e5e7eb; }
  .legend span { display: inline-block; margin-right: 1rem; }
  .legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
</style>
</head>
<body>
<h1>phoenix report: ${escape(system)}</h1>
<p id="period">${report.overall.builds} builds${report.since ? ` since ${escape(report.since)}` : ""}; first-pass yield ${percent(report.overall.firstPassYield)}, mean attempts ${decimal(report.overall.meanAttempts)}.</p>
<pre id="summary">${escape(table.join("\n"))}</pre>
<h2>Build graph, coloured by state</h2>
<p class="legend" id="legend"></p>
<svg id="graph" width="900" height="300" role="img" aria-label="build graph"></svg>
<h2>First-pass yield by day</h2>
<svg id="yield-trend" width="900" height="220" role="img" aria-label="first-pass yield by day"></svg>
<h2>Mean attempts by day</h2>
<svg id="attempts-trend" width="900" height="220" role="img" aria-label="mean attempts by day"></svg>
<script type="application/json" id="report-data">${data}</script>
<script>
${RENDER_SCRIPT}
</script>
</body>
</html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Draws the graph and the charts from #report-data; runs in the browser. */
const RENDER_SCRIPT = String.raw`
const { report, graph } = JSON.parse(document.getElementById("report-data").textContent);
const NS = "http://www.w3.org/2000/svg";
const COLOURS = { green: "#15803d", stale: "#ca8a04", drifted: "#c2410c", failed: "#b91c1c", "needs-human": "#7c3aed", "awaiting-approval": "#2563eb", removed: "#6b7280" };
function el(parent, name, attributes, title) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (title) { const t = document.createElementNS(NS, "title"); t.textContent = title; node.appendChild(t); }
  parent.appendChild(node);
  return node;
}
function drawGraph() {
  const svg = document.getElementById("graph");
  const depth = {};
  const byName = Object.fromEntries(graph.map((n) => [n.name, n]));
  const depthOf = (name, seen = new Set()) => {
    if (depth[name] !== undefined) return depth[name];
    if (seen.has(name) || !byName[name]) return 0;
    seen.add(name);
    return (depth[name] = Math.max(0, ...byName[name].dependsOn.map((d) => depthOf(d, seen) + 1)));
  };
  graph.forEach((n) => depthOf(n.name));
  const layers = [];
  graph.forEach((n) => (layers[depth[n.name]] ??= []).push(n.name));
  const at = {};
  layers.forEach((names, x) => names.forEach((name, y) => (at[name] = { x: 30 + x * 180, y: 30 + y * 60 })));
  svg.setAttribute("height", String(Math.max(120, 60 + Math.max(...layers.map((l) => l.length)) * 60)));
  for (const n of graph) for (const d of n.dependsOn) if (at[d]) el(svg, "line", { x1: at[d].x + 130, y1: at[d].y + 18, x2: at[n.name].x, y2: at[n.name].y + 18, stroke: "#9ca3af", "stroke-width": 2, "data-edge": d + "->" + n.name });
  for (const n of graph) {
    const g = el(svg, "g", { class: "node", "data-node": n.name, "data-state": n.state }, n.name + ": " + n.state);
    el(g, "rect", { x: at[n.name].x, y: at[n.name].y, width: 130, height: 36, rx: 6, fill: COLOURS[n.state] || "#6b7280" });
    const label = el(g, "text", { x: at[n.name].x + 65, y: at[n.name].y + 23, "text-anchor": "middle", fill: "white" });
    label.textContent = n.name;
  }
  const legend = document.getElementById("legend");
  for (const state of [...new Set(graph.map((n) => n.state))]) {
    const item = document.createElement("span");
    item.innerHTML = '<i style="background:' + (COLOURS[state] || "#6b7280") + '"></i>' + state;
    legend.appendChild(item);
  }
}
function drawTrend(id, key, max, label) {
  const svg = document.getElementById(id);
  const points = report.trend;
  const x = (i) => 50 + (points.length === 1 ? 400 : (i * 800) / (points.length - 1));
  const y = (v) => 190 - (v / max) * 160;
  el(svg, "line", { x1: 50, y1: 190, x2: 860, y2: 190, stroke: "#9ca3af" });
  if (points.length > 1) el(svg, "polyline", { points: points.map((p, i) => x(i) + "," + y(p[key])).join(" "), fill: "none", stroke: "#2563eb", "stroke-width": 2 });
  points.forEach((p, i) => {
    el(svg, "circle", { cx: x(i), cy: y(p[key]), r: 5, fill: "#2563eb", "data-day": p.day, "data-value": p[key] }, p.day + ": " + label(p[key]) + " (" + p.builds + " builds)");
    const t = el(svg, "text", { x: x(i), y: 208, "text-anchor": "middle", "font-size": 11 });
    t.textContent = p.day.slice(5);
  });
}
drawGraph();
drawTrend("yield-trend", "firstPassYield", 1, (v) => Math.round(v * 100) + "% first-pass");
drawTrend("attempts-trend", "meanAttempts", Math.max(1, ...report.trend.map((p) => p.meanAttempts)), (v) => v.toFixed(1) + " attempts");
document.body.setAttribute("data-rendered", "yes");
`;
