/**
 * Monthly cost against daily volume: the expected pay-as-you-go total (API + infrastructure), the band
 * between the range's low and high ends, and the PTU line with its break-even only where the catalog
 * says the model can be provisioned. A vega-lite spec rendered to SVG by vega (headless, no canvas).
 *
 * vega and vega-lite are ES modules with top-level await, so they are loaded with import(); this runs
 * under tsx (the CLI), not inside jest's CommonJS sandbox, and the tests drive it through the CLI.
 */
interface VegaLite { compile(spec: object): { spec: object } }
interface TextItem { fontSize?: number; fontWeight?: string | number; limit?: number }
interface Vega {
  parse(spec: object): unknown;
  textMetrics: { width: (item: TextItem, text: string) => number };
  View: new (runtime: unknown, options: { renderer: "none" }) => { toSVG(): Promise<string> };
}
const load = <T>(name: string): Promise<T> => import(name) as Promise<T>;
import { estimate, type EstimateInput } from "./estimate";
import { DEFAULT_DISTRIBUTIONS, monthlyPercentilesByVolume, type ParameterDistributions } from "./percentiles";

export interface ChartInput {
  /** The estimate input at any volume (the chart sets interviewsPerDay). */
  base: Omit<EstimateInput, "interviewsPerDay">;
  /** The volume to mark (the stack's expected volume). */
  markInterviewsPerDay?: number;
  /** The stated parameter distributions (the band is their monthly p10-p90). */
  distributions?: ParameterDistributions;
  maxInterviewsPerDay: number;
  title: string;
  subtitle: string;
}

export interface ChartRow {
  interviewsPerDay: number;
  /** Monthly p10 and p90. */
  low: number;
  /** Monthly mean of the draws. */
  expected: number;
  high: number;
  /** PTUs + infrastructure, where PTU exists. */
  ptu?: number;
}

export const SERIES = {
  expected: "expected (mean): pay-as-you-go API + infrastructure",
  band: "p10 - p90 of the month's cost",
  ptu: "PTU + infrastructure",
} as const;

export function chartData(input: ChartInput, points = 20): { rows: ChartRow[]; ptu: { available: boolean; reason?: string; breakEven?: number } } {
  const rows: ChartRow[] = [];
  let ptu: { available: boolean; reason?: string; breakEven?: number } = { available: false };
  const volumes = Array.from({ length: points + 1 }, (_, i) => Math.round((input.maxInterviewsPerDay * i) / points));
  const percentiles = monthlyPercentilesByVolume(input.base, volumes, input.distributions ?? DEFAULT_DISTRIBUTIONS);
  for (const [i, perDay] of volumes.entries()) {
    const e = estimate({ ...input.base, interviewsPerDay: perDay });
    const q = percentiles[i];
    const row: ChartRow = { interviewsPerDay: perDay, low: q.p10, expected: q.mean, high: q.p90 };
    if (e.ptu.available) {
      row.ptu = e.ptu.monthlyCost + e.monthly.infrastructure;
      ptu = { available: true, breakEven: e.ptu.breakEvenInterviewsPerDay };
    } else ptu = { available: false, reason: e.ptu.reason };
    rows.push(row);
  }
  return { rows, ptu };
}

export async function renderChartSvg(input: ChartInput): Promise<string> {
  const { rows, ptu } = chartData(input);
  const x = { field: "interviewsPerDay", type: "quantitative", title: "interviews per day" };
  const y = { type: "quantitative", title: "USD per month", axis: { format: "$,.0f" } };
  const colors = { domain: [SERIES.expected, SERIES.band, ...(ptu.available ? [SERIES.ptu] : [])], range: ["#1f5fa8", "#9ec3ea", ...(ptu.available ? ["#c0392b"] : [])] };
  const legend = { orient: "bottom", direction: "vertical", title: null, labelLimit: 520, labelFontSize: 12, symbolType: "square", symbolSize: 160 };
  const layers: object[] = [
    {
      mark: { type: "area", opacity: 0.35 },
      encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color: { datum: SERIES.band, scale: colors, legend } },
    },
    {
      mark: { type: "line", strokeWidth: 3 },
      encoding: { x, y: { ...y, field: "expected" }, color: { datum: SERIES.expected } },
    },
  ];
  if (ptu.available) {
    layers.push({ mark: { type: "line", strokeWidth: 2, strokeDash: [6, 3], interpolate: "step-after" }, encoding: { x, y: { ...y, field: "ptu" }, color: { datum: SERIES.ptu } } });
    if (ptu.breakEven !== undefined) {
      const label = `PTU break-even ≈ ${Math.round(ptu.breakEven).toLocaleString("en-US")} interviews/day`;
      layers.push({ data: { values: [{ breakEven: ptu.breakEven, label }] }, mark: { type: "rule", strokeDash: [4, 4], color: "#666" }, encoding: { x: { field: "breakEven", type: "quantitative" } } });
      layers.push({ data: { values: [{ breakEven: ptu.breakEven, label }] }, mark: { type: "text", align: "left", dx: 4, y: 12, color: "#333", fontSize: 12 }, encoding: { x: { field: "breakEven", type: "quantitative" }, text: { field: "label" } } });
    }
  }
  if (input.markInterviewsPerDay !== undefined) {
    const [at] = monthlyPercentilesByVolume(input.base, [input.markInterviewsPerDay], input.distributions ?? DEFAULT_DISTRIBUTIONS);
    const k = (x: number) => `$${Math.round(x / 1000).toLocaleString("en-US")}k`;
    const mark = [{ x: input.markInterviewsPerDay, y: at.mean, label: `${input.markInterviewsPerDay.toLocaleString("en-US")}/day: ${k(at.mean)}/month expected (p10 ${k(at.p10)}, p90 ${k(at.p90)})` }];
    layers.push({ data: { values: mark }, mark: { type: "rule", strokeDash: [2, 3], color: "#444" }, encoding: { x: { field: "x", type: "quantitative" } } });
    layers.push({ data: { values: mark }, mark: { type: "point", filled: true, color: "#1f5fa8", size: 60 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } });
    layers.push({ data: { values: mark }, mark: { type: "text", align: "right", dx: -8, dy: -12, fontSize: 12, color: "#222" }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, text: { field: "label" } } });
  }
  // Each subtitle line fits the plot's width (no line cut off at the SVG's edge).
  const subtitle = [...wrap(input.subtitle, 110), ...wrap(ptu.available ? "PTU: where its line crosses the expected line, PTUs cost less" : `PTU: not available for this model (${shorten(ptu.reason ?? "")})`, 110)];
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: input.title, subtitle, anchor: "start", fontSize: 15, subtitleFontSize: 11, subtitleColor: "#555" },
    width: 720,
    height: 380,
    padding: 12,
    background: "white",
    data: { values: rows },
    config: { axis: { labelFontSize: 12, titleFontSize: 13 }, font: "DejaVu Sans, Arial, sans-serif" },
    layer: layers,
  };
  const [vegaLite, vega] = await Promise.all([load<VegaLite>("vega-lite"), load<Vega>("vega")]);
  vega.textMetrics.width = textWidth;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}

/**
 * Vega measures text with a canvas when the optional `canvas` package is installed; without it (here)
 * it estimates 0.8 em a character, ~1.4x what DejaVu Sans (the font the SVG names, and the one
 * rsvg-convert and browsers on this machine draw) takes, so legends get cut short and the canvas too
 * wide. This estimate uses DejaVu Sans' advance widths (em) for the characters the chart prints.
 */
const ADVANCE: Record<string, number> = { " ": 0.318, ".": 0.318, ",": 0.318, ":": 0.337, ";": 0.337, "'": 0.275, "(": 0.39, ")": 0.39, "/": 0.337, "-": 0.361, "%": 0.95, $: 0.636, "≈": 0.838, i: 0.278, j: 0.278, l: 0.278, f: 0.352, t: 0.392, r: 0.411, s: 0.521, c: 0.55, z: 0.525, m: 0.974, w: 0.818, I: 0.295, M: 0.863, W: 0.989 };
function textWidth(item: TextItem, text: string): number {
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === "bold" || Number(item.fontWeight) >= 600 ? 1.15 : 1;
  let em = 0;
  for (const ch of String(text ?? "")) em += ADVANCE[ch] ?? (/[0-9]/.test(ch) ? 0.636 : /[A-Z]/.test(ch) ? 0.72 : 0.61);
  return em * size * bold;
}

/** Splits text at spaces into lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function shorten(text: string): string {
  const plain = text.replace(/^not available for this model: /, "");
  return plain.length > 110 ? `${plain.slice(0, 107)}...` : plain;
}
