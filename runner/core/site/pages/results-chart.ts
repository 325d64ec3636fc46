import { scaleUtc } from "d3";
import type { RunRecord } from "../../schema/run-record.ts";
import { armEstimate } from "../../stats/estimates.ts";
import { f1, minute, verdictLabel } from "../format.ts";
import { html, type Html, join } from "../html.ts";

/**
 * The all-results chart: every run over time, its candidate's speed with a 95% interval, coloured by
 * its verdict. Drawn here as an inline SVG, so it reads without JavaScript and builds byte for byte.
 */

/** One run as the chart (and api/results.json) shows it. */
export interface ResultPoint {
  id: string;
  at: string;
  candidate: string;
  incumbent: string;
  /** The verdict, or the run's status when it has none (error, invalid, negative). */
  outcome: string;
  status: RunRecord["status"];
  /** The candidate arm's mean of launch means (tok/s) and its 95% interval. */
  estimate: number;
  ci: [number, number];
  /** The candidate's standing now: hacked, withdrawn, unconfirmed or invalid runs are drawn hollow. */
  standing: string;
}

/** Standings whose runs no longer count: drawn hollow, so a discredited result never looks like the best. */
const DISCOUNTED = new Set(["hacked", "withdrawn", "unconfirmed", "invalid", "failed"]);

/** Outcome colours (Okabe–Ito, safe for colour-blind readers); anything else is grey. */
const OUTCOME_COLOURS: [outcome: string, colour: string][] = [
  ["faster", "#009e73"],
  ["slower", "#d55e00"],
  ["tie", "#0072b2"],
  ["inconclusive", "#e69f00"],
  ["unresolved", "#cc79a7"],
];
const OTHER_COLOUR = "#666666";
const colourOf = (outcome: string) => OUTCOME_COLOURS.find(([o]) => o === outcome)?.[1] ?? OTHER_COLOUR;

/** Every run with candidate launches, oldest first: runs without launches have no speed to draw. */
export function resultPoints(
  runs: readonly RunRecord[],
  standingOf: (slug: string) => string | undefined = () => undefined,
): ResultPoint[] {
  const points: ResultPoint[] = [];
  for (const r of runs) {
    const est = armEstimate(r, "candidate");
    if (!est) continue;
    points.push({
      id: r.id,
      at: r.finishedAt,
      candidate: r.candidate.slug,
      incumbent: r.incumbent.slug,
      outcome: r.comparison?.verdict ?? r.status,
      status: r.status,
      estimate: est.estimate,
      ci: est.ci,
      standing: standingOf(r.candidate.slug) ?? "unknown",
    });
  }
  return points;
}

/** About `count` round tick values from at or below lo to at or above hi (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw)!;
  const first = Math.floor(lo / step);
  const last = Math.max(first + 1, Math.ceil(hi / step));
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

const W = 640;
const H = 300;
const PAD = { left: 62, right: 14, top: 12, bottom: 46 };

/** Maps time and speed to pixels inside the plot area. */
function scales(points: readonly ResultPoint[]) {
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const yTicks = niceTicks(Math.min(...points.map((p) => p.ci[0])), Math.max(...points.map((p) => p.ci[1])));
  const y0 = yTicks[0]!;
  const y1 = yTicks.at(-1)!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (iso: string) => PAD.left + (t1 > t0 ? ((Date.parse(iso) - t0) / (t1 - t0)) * plotW : plotW / 2);
  const y = (v: number) => PAD.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const xTicks = t1 > t0 ? timeTicks(t0, t1) : [];
  return { x, y, yTicks, xTicks: xTicks.length ? xTicks : [points[0]!.at], span: t1 - t0 };
}

const DAY = 86_400_000;

/** Real time ticks (d3's UTC scale: whole minutes, hours, days or months, whatever the span). */
const timeTicks = (t0: number, t1: number) =>
  scaleUtc()
    .domain([t0, t1])
    .ticks(4)
    .map((d) => d.toISOString());

/**
 * A tick's label at the precision the span needs: times within two days (the first tick, and any at
 * midnight, carry the date), dates within four months, months beyond.
 */
function timeLabel(iso: string, span: number, first: boolean): string {
  const [date, time] = [iso.slice(0, 10), iso.slice(11, 16)];
  if (span <= 2 * DAY) return first || time === "00:00" ? `${date} ${time}` : time;
  return span <= 120 * DAY ? date : iso.slice(0, 7);
}

/** Both axes with their ticks and titles: x is when the run finished, y the candidate's speed. */
function axes(s: ReturnType<typeof scales>): Html {
  const bottom = H - PAD.bottom;
  const yTicks = s.yTicks.map((v) => {
    const py = s.y(v).toFixed(1);
    return html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${py}" y2="${py}" \
stroke="#ddd"/><text x="${PAD.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${v}</text>`;
  });
  const xTicks = s.xTicks.map((at, i) => {
    const px = s.x(at).toFixed(1);
    const anchor = i === 0 ? "start" : i === s.xTicks.length - 1 ? "end" : "middle";
    return html`<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>\
<text x="${px}" y="${bottom + 18}" text-anchor="${anchor}">${timeLabel(at, s.span, i === 0)}</text>`;
  });
  return html`<g class="axis y-axis">${join(yTicks, "")}\
<text class="axis-title" transform="translate(14 ${PAD.top + (H - PAD.top - PAD.bottom) / 2}) rotate(-90)" \
text-anchor="middle">candidate tok/s (95% CI)</text></g>
<g class="axis x-axis"><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>\
${join(xTicks, "")}<text class="axis-title" x="${PAD.left + (W - PAD.left - PAD.right) / 2}" y="${H - 6}" \
text-anchor="middle">run finished (UTC)</text></g>`;
}

/** One run: its interval as a vertical line and its estimate as a dot, in its verdict's colour. */
function mark(p: ResultPoint, s: ReturnType<typeof scales>): Html {
  const px = s.x(p.at).toFixed(1);
  const colour = colourOf(p.outcome);
  const hollow = DISCOUNTED.has(p.standing);
  const note = hollow ? `; ${p.candidate} is ${p.standing}` : "";
  const title = `${p.id}: ${p.candidate} vs ${p.incumbent}, ${verdictLabel(p.outcome)}; \
${f1(p.estimate)} tok/s [${f1(p.ci[0])}, ${f1(p.ci[1])}], ${minute(p.at)}${note}`;
  return html`<g class="run-mark" data-run="${p.id}" data-outcome="${p.outcome}" \
data-standing="${p.standing}"><title>${title}</title>\
<line x1="${px}" x2="${px}" y1="${s.y(p.ci[0]).toFixed(1)}" y2="${s.y(p.ci[1]).toFixed(1)}" \
stroke="${colour}" stroke-width="2"/><circle cx="${px}" cy="${s.y(p.estimate).toFixed(1)}" r="4" \
fill="${hollow ? "#fff" : colour}" stroke="${colour}" stroke-width="1.5"/></g>`;
}

/** What the colours mean, as HTML under the chart (readable at any width). */
function legend(points: readonly ResultPoint[]): Html {
  const seen = new Set(points.map((p) => p.outcome));
  const keys = [...OUTCOME_COLOURS.map(([o]) => o), ...[...seen].filter((o) => colourOf(o) === OTHER_COLOUR)];
  const items = keys
    .filter((o) => seen.has(o))
    .map(
      (o) => html`<li><span class="swatch" style="background:${colourOf(o)}"></span> ${verdictLabel(o)}</li>`,
    );
  const hollow = html`<li><svg width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="4" fill="#fff" \
stroke="#333"/></svg> hollow: the submission is now hacked, withdrawn, unconfirmed or invalid</li>`;
  return html`<ul class="chart-legend">${items}${points.some((p) => DISCOUNTED.has(p.standing)) ? hollow : ""}</ul>`;
}

/**
 * Runs the chart draws: the most recent ones. Past a few thousand marks an SVG is unreadable and
 * heavy (100,000 runs made a 37 MB home page); api/results.json always holds every run.
 */
export const CHART_MAX_RUNS = 2000;

/** The chart, its legend and a caption; a sentence when no run has finished yet. */
export function resultsChart(
  runs: readonly RunRecord[],
  standingOf: (slug: string) => string | undefined,
): Html {
  const all = resultPoints(runs, standingOf);
  if (!all.length) return html`<p>No runs yet.</p>`;
  const points =
    all.length <= CHART_MAX_RUNS
      ? all
      : [...all].sort((a, b) => a.at.localeCompare(b.at)).slice(-CHART_MAX_RUNS);
  const s = scales(points);
  const shown = points.length < all.length ? `the latest ${points.length} of ${all.length}` : `${all.length}`;
  const label = `${shown} runs over time: candidate speed with 95% intervals, coloured by verdict`;
  const caption =
    points.length < all.length ? `The latest ${points.length} of ${all.length} runs` : "Every run";
  return html`<figure class="results-chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}" \
font-size="11" font-family="sans-serif">
${axes(s)}
${join(
  points.map((p) => mark(p, s)),
  "\n",
)}
</svg><figcaption>${caption}: the dot is the candidate's mean speed, the line its 95% interval; the colour is \
the run's verdict against its incumbent (grey: no verdict, e.g. an error or a negative result). \
<a href="api/results.json">Data</a>.</figcaption>${legend(points)}</figure>`;
}
