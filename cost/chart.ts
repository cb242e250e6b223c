/**
 * Monthly cost against daily volume, pay-as-you-go (API + infrastructure) and the PTU line, with the
 * break-even point: a vega-lite spec rendered to SVG by vega (headless, no canvas needed).
 *
 * vega and vega-lite are ES modules with top-level await, so they are loaded with import(); this runs
 * under tsx (the CLI), not inside jest's CommonJS sandbox, and the tests drive it through the CLI.
 */
interface VegaLite { compile(spec: object): { spec: object } }
interface Vega {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: "none" }) => { toSVG(): Promise<string> };
}
const load = <T>(name: string): Promise<T> => import(name) as Promise<T>;
import type { Catalog } from "./catalog";
import { estimate, type Sizing } from "./estimate";

export interface ChartInput {
  catalog: Catalog;
  minutesPerInterview: number;
  sizing: Sizing;
  maxInterviewsPerDay: number;
  ptus?: number;
}

export function chartData(input: ChartInput): Array<{ interviewsPerDay: number; series: string; monthlyUsd: number }> {
  const points = 24;
  const rows: Array<{ interviewsPerDay: number; series: string; monthlyUsd: number }> = [];
  for (let i = 0; i <= points; i++) {
    const perDay = Math.round((input.maxInterviewsPerDay * i) / points);
    const e = estimate({ catalog: input.catalog, interviewsPerDay: perDay, minutesPerInterview: input.minutesPerInterview, sizing: input.sizing, ptus: input.ptus });
    rows.push({ interviewsPerDay: perDay, series: "pay-as-you-go (API + infrastructure)", monthlyUsd: e.monthly.total });
    rows.push({ interviewsPerDay: perDay, series: `PTU (${e.ptu.ptus}) + infrastructure`, monthlyUsd: e.ptu.monthlyCost + e.monthly.infrastructure });
  }
  return rows;
}

export async function renderChartSvg(input: ChartInput): Promise<string> {
  const e = estimate({ catalog: input.catalog, interviewsPerDay: 1, minutesPerInterview: input.minutesPerInterview, sizing: input.sizing, ptus: input.ptus });
  const breakEven = e.ptu.breakEvenInterviewsPerDay;
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Monthly cost by daily volume: ${input.catalog.name}, ${input.minutesPerInterview}-minute interviews`,
    width: 640,
    height: 360,
    layer: [
      {
        data: { values: chartData(input) },
        mark: { type: "line", point: false },
        encoding: {
          x: { field: "interviewsPerDay", type: "quantitative", title: "interviews per day" },
          y: { field: "monthlyUsd", type: "quantitative", title: "USD per month" },
          color: { field: "series", type: "nominal", title: null, legend: { orient: "top-left" } },
        },
      },
      {
        data: { values: [{ breakEven, label: `PTU break-even ≈ ${Math.round(breakEven)} interviews/day` }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "#888" },
        encoding: { x: { field: "breakEven", type: "quantitative" } },
      },
      {
        data: { values: [{ breakEven, label: `PTU break-even ≈ ${Math.round(breakEven)} interviews/day` }] },
        mark: { type: "text", align: "left", dx: 4, dy: -150, color: "#444" },
        encoding: { x: { field: "breakEven", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  };
  const [vegaLite, vega] = await Promise.all([load<VegaLite>("vega-lite"), load<Vega>("vega")]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
