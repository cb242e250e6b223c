/**
 * `npm run cost -- [--stack NAME] [--catalog ID] [--interviews-per-day N] [--minutes M]
 *                  [--format table|json|csv] [--chart FILE.svg]`
 * The stack gives expected volume and sizing; the flags override. Exit 2 on bad arguments.
 */
import { writeFileSync } from "node:fs";
import { catalogById, catalogIds, DEFAULT_CATALOG_ID, estimate, SEED_PRINTED, SEED_SIZING, type Estimate } from "../cost";
import { renderChartSvg } from "../cost/chart";
import { loadStackConfigFile, StackConfigError } from "../stacks/config";
import { estimateBaseFor, type EstimateBase } from "../stacks/sizing";

interface Args {
  stack?: string;
  catalog?: string;
  interviewsPerDay?: number;
  minutes?: number;
  format: "table" | "json" | "csv";
  chart?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const args: Args = { format: "table" };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got "${v ?? ""}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case "--stack": args.stack = value; i++; break;
      case "--catalog": args.catalog = value; i++; break;
      case "--interviews-per-day": args.interviewsPerDay = num(flag, value); i++; break;
      case "--minutes": args.minutes = num(flag, value); i++; break;
      case "--chart": args.chart = value; i++; break;
      case "--format":
        if (value !== "table" && value !== "json" && value !== "csv") throw new UsageError(`--format is table, json or csv, got "${value ?? ""}"`);
        args.format = value; i++; break;
      default:
        throw new UsageError(`unknown argument "${flag}"`);
    }
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
  }
  return args;
}

const money = (x: number) => `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const money4 = (x: number) => `$${x.toFixed(4)}`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

function render(e: Estimate, volumes: number[], byVolume: Estimate[]): string {
  const p = e.perInterview;
  const i = e.monthly.infrastructureBreakdown;
  return [
    `Catalog: ${e.catalog.name} (${e.catalog.id}, as of ${e.catalog.asOf})`,
    "",
    `Per interview (${e.input.minutesPerInterview} min)`,
    table([
      ["part", "tokens", "cost"],
      ["audio input (uncached)", p.tokens.audioInput.toFixed(0), money4(p.audioInput)],
      ["audio output", p.tokens.audioOutput.toFixed(0), money4(p.audioOutput)],
      ["text (input + output)", (p.tokens.textInput + p.tokens.textOutput).toFixed(0), money4(p.text)],
      ["cached input (audio + text)", (p.tokens.audioCachedInput + p.tokens.textCachedInput).toFixed(0), money4(p.cached)],
      ["total", "", money4(p.total)],
    ]),
    "",
    "Cost estimator by daily volume",
    table([["daily volume", "avg duration", "daily cost", "monthly cost"],
      ...byVolume.map((x) => [`${x.daily.interviews.toLocaleString("en-US")} interviews`, `${x.input.minutesPerInterview} min`, money(x.daily.api), money(x.monthly.api)])]),
    "",
    `Infrastructure (${e.input.sizing.minReplicas}-${e.input.sizing.maxReplicas} replicas of ${e.input.sizing.cpu} vCPU / ${e.input.sizing.memoryGiB} GiB, Redis ${e.input.sizing.redisSku})`,
    table([["component", "cost/month"], ["Container Apps", money(i.containerApps)], ["Front Door", money(i.frontDoor)], ["Redis", money(i.redis)], ["Monitoring (logs)", money(i.monitoring)], ["total infrastructure", money(i.total)]]),
    "",
    "Total monthly cost estimate",
    table([["scale", "API", "infrastructure", "total", "per interview"],
      ...byVolume.map((x) => [`${x.daily.interviews.toLocaleString("en-US")}/day`, money(x.monthly.api), money(x.monthly.infrastructure), money(x.monthly.total), money4(x.monthly.perInterview)])]),
    "",
    `PTU: ${e.ptu.ptus} PTU = ${money(e.ptu.monthlyCost)}/month; breaks even at ${Math.round(e.ptu.breakEvenInterviewsPerDay).toLocaleString("en-US")} interviews/day (${Math.round(e.ptu.breakEvenInterviewsPerMonth).toLocaleString("en-US")}/month)`,
    ...e.ptu.assumptions.map((a) => `  - ${a}`),
    "",
    `Capacity at ${e.input.interviewsPerDay}/day: peak ${e.capacity.peakConcurrentSessions} concurrent sessions, ${e.capacity.replicasNeeded} replicas, ${e.capacity.newConnectionsPerMinute} new upstream connections/min, ${e.capacity.upstreamResourcesNeeded} upstream resource(s) per region`,
    "",
    "Notes",
    ...e.notes.map((n) => `  - ${n}`),
  ].join("\n");
}

function csv(byVolume: Estimate[]): string {
  const header = ["catalog", "interviews_per_day", "minutes", "per_interview_audio_input", "per_interview_audio_output", "per_interview_text", "per_interview_cached", "per_interview_total", "daily_api", "monthly_api", "monthly_infrastructure", "monthly_total", "monthly_per_interview"];
  const rows = byVolume.map((e) => [e.catalog.id, e.daily.interviews, e.input.minutesPerInterview, e.perInterview.audioInput, e.perInterview.audioOutput, e.perInterview.text, e.perInterview.cached, e.perInterview.total, e.daily.api, e.monthly.api, e.monthly.infrastructure, e.monthly.total, e.monthly.perInterview].join(","));
  return [header.join(","), ...rows].join("\n");
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`cost: ${(error as Error).message}\nusage: npm run cost -- [--stack NAME] [--catalog ${catalogIds().join("|")}] [--interviews-per-day N] [--minutes M] [--format table|json|csv] [--chart FILE.svg]`);
    process.exit(2);
  }
  let base: EstimateBase;
  try {
    // With a stack: its catalog, volume and sizing, exactly what its budget is derived from; flags override.
    base = args.stack
      ? estimateBaseFor(loadStackConfigFile(args.stack), { catalogId: args.catalog, interviewsPerDay: args.interviewsPerDay, minutesPerInterview: args.minutes })
      : { catalog: catalogById(args.catalog ?? DEFAULT_CATALOG_ID), sizing: SEED_SIZING, interviewsPerDay: args.interviewsPerDay, minutesPerInterview: args.minutes };
  } catch (error) {
    console.error(error instanceof StackConfigError ? error.message : `cost: ${(error as Error).message}`);
    process.exit(2);
  }
  const catalog = base.catalog;
  const minutes = base.minutesPerInterview ?? 30;
  const perDay = base.interviewsPerDay;
  const volumes = perDay !== undefined ? [perDay] : SEED_PRINTED.table.map((r) => r.interviewsPerDay);
  const byVolume = volumes.map((v) => estimate({ ...base, interviewsPerDay: v, minutesPerInterview: minutes }));
  const main = byVolume[byVolume.length - 1];

  if (args.format === "json") console.log(JSON.stringify(perDay !== undefined ? main : { ...main, byVolume }, null, 2));
  else if (args.format === "csv") console.log(csv(byVolume));
  else console.log(render(main, volumes, byVolume));

  if (args.chart) {
    const svg = await renderChartSvg({ catalog, minutesPerInterview: minutes, sizing: base.sizing ?? SEED_SIZING, maxInterviewsPerDay: Math.max(2 * (perDay ?? 5000), Math.ceil(main.ptu.breakEvenInterviewsPerDay * 1.5)) });
    writeFileSync(args.chart, svg);
    console.error(`chart: ${args.chart}`);
  }
}

void main();
