/**
 * `npm run cost -- [--stack NAME] [--catalog ID] [--interviews-per-day N] [--minutes M]
 *                  [--format table|json|csv] [--chart FILE.svg]`
 * The stack gives its upstreams' catalogs, volume, interview lengths, stated ranges and sizing (exactly
 * what its budget is derived from); the flags override. Exit 2 on bad arguments.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SESSION_DEFAULTS } from "../contracts";
import {
  catalogById, catalogIds, DEFAULT_CATALOG_ID, defaultRanges, describeTruncation, estimateRange, figuresOf, RETENTION_TRUNCATION, SEED_PRINTED, SEED_SIZING,
  sessionCost, sessionParams, weightedCost, INTERVIEW_RANGES,
  type Catalog, type DurationShare, type Estimate, type ParameterRanges, type RangeEstimate,
} from "../cost";
import { renderChartSvg } from "../cost/chart";
import { estimate } from "../cost/estimate";
import { readFocusExport, readMeteredRecords, reconcile, WEEKLY_DRIFT_TOLERANCE } from "../cost/reconcile";
import { resourceNames } from "../stacks/names";
import { applyPrices, fetchRetailPrices, filtersFor, meteredFigures } from "../cost/prices";
import { DEFAULT_DISTRIBUTIONS, DISTRIBUTED_PARAMETERS, estimatePercentiles, monthlyPercentilesByVolume, type DistributedParameter, type ParameterDistributions, type PercentileEstimate } from "../cost/percentiles";

type VolumePercentiles = ReturnType<typeof monthlyPercentilesByVolume>[number];
import { truncationTokensOf } from "../cost/session";
import { loadStackConfigFile, PROJECT, StackConfigError } from "../stacks/config";
import { estimateBaseFor, sizeStack, stackRanges, type EstimateBase } from "../stacks/sizing";

interface Args {
  stack?: string;
  catalog?: string;
  interviewsPerDay?: number;
  minutes?: number;
  format: "table" | "json" | "csv";
  chart?: string;
  /** A Cost Management FOCUS export to reconcile, and the metered records beside it. */
  reconcile?: string;
  metered?: string;
  refreshPrices?: boolean;
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
      case "--reconcile": args.reconcile = value; i++; break;
      case "--metered": args.metered = value; i++; break;
      case "--refresh-prices": args.refreshPrices = true; continue;
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

const money = (x: number) => `${x < 0 ? "-" : ""}$${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const money4 = (x: number) => `$${x.toFixed(4)}`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const pct = (x: number) => `${Math.round(x * 100)}%`;
const lengths = (d: DurationShare[]) => d.map((x) => (d.length > 1 ? `${x.minutes} min x ${pct(x.share)}` : `${x.minutes} min`)).join(", ");

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

/** Per-interview cost at each length under both truncation modes, at the expected interview and at a talkative one. */
function truncationTable(base: EstimateBase, durations: DurationShare[]): string[][] {
  const mix = base.mix ?? [{ catalog: base.catalog, share: 1, upstreams: [] }];
  const talkative = { userSpeakingShare: INTERVIEW_RANGES.speakingShares.high.user, modelSpeakingShare: INTERVIEW_RANGES.speakingShares.high.model, turnsPerMinute: INTERVIEW_RANGES.turnsPerMinute.high };
  const cost = (minutes: number, session: object) => weightedCost(mix.map((m) => ({ share: m.share, cost: sessionCost(m.catalog, sessionParams(m.catalog, minutes, { rotateMinutes: base.rotateMinutes, ...base.session, ...session })) })));
  const all = [...new Set([...durations.map((d) => d.minutes), base.maxMinutes])].sort((a, b) => a - b);
  const rows = [["length", "expected interview: auto", `retention ${RETENTION_TRUNCATION.type === "retention_ratio" ? RETENTION_TRUNCATION.retentionRatio : ""}`, "talkative interview: auto", "retention"]];
  for (const minutes of all) {
    const cells = [{}, talkative].flatMap((extra) => [{ truncation: { type: "auto" } }, { truncation: RETENTION_TRUNCATION }].map((t) => {
      const c = cost(minutes, { ...extra, ...t });
      return `${money4(c.total)}${c.truncatedResponses > 0 ? ` (${Math.round(c.truncatedResponses)} cut)` : ""}`;
    }));
    rows.push([`${minutes} min`, ...cells]);
  }
  return rows;
}

function sources(catalogs: Catalog[]): string[] {
  const lines: string[] = [];
  for (const catalog of catalogs) {
    lines.push(`${catalog.id} (${catalog.name}):`);
    lines.push(`  - model.inputLimitTokens = ${catalog.model.inputLimitTokens}: ${catalog.model.inputLimitSource}`);
    lines.push(`  - model token rates ${catalog.model.audioInputTokensPerMinute}/${catalog.model.audioOutputTokensPerMinute} a minute: ${catalog.model.tokenRateSource}`);
    if (catalog.model.cache) lines.push(`  - prompt cache from ${catalog.model.cache.minimumTokens} tokens in ${catalog.model.cache.incrementTokens}-token steps: ${catalog.model.cache.source}`);
    for (const f of figuresOf(catalog)) {
      const flag = f.assumption ? ", ASSUMPTION" : "";
      lines.push(`  - ${f.path} = ${f.value} ${f.unit}: ${f.source} (${f.asOf}, ${f.confidence} confidence${flag})`);
    }
    if (!catalog.ptu.available) lines.push(`  - ptu: not available for this model: ${catalog.ptu.source}`);
  }
  return lines;
}

/** The percentile tables: per interview and per month, what lifts p90 most, the distributions and their sources. */
function percentileLines(pc: PercentileEstimate): string[] {
  const e = pc.expected;
  const d = pc.distributions;
  const show = (name: DistributedParameter, v: number) => (name === "instructionsTokens" ? int(v) : name === "turnsPerMinute" ? String(v) : pct(v));
  return [
    `Percentiles at ${e.input.interviewsPerDay.toLocaleString("en-US")} interviews/day (Monte Carlo, ${pc.samples.toLocaleString("en-US")} draws, seed ${pc.seed})`,
    table([
      ["", "p10", "p50", "p90", "mean", "at the most likely values"],
      ["per interview (API)", money4(pc.perInterview.p10), money4(pc.perInterview.p50), money4(pc.perInterview.p90), money4(pc.perInterview.mean), money4(e.perInterview.total)],
      ["per month (API + infrastructure)", money(pc.monthly.p10), money(pc.monthly.p50), money(pc.monthly.p90), money(pc.monthly.mean), money(e.monthly.total)],
    ]),
    "  per interview: every parameter and the length drawn for each interview (the spread between interviews)",
    "  per month: the parameters drawn once per month (what is not measured yet: the true means), the stack's lengths priced at them; infrastructure as expected",
    "  the distributions are right-skewed, so the mean lies above the cost at the most likely values",
    "",
    `What lifts the monthly p90 most: ${pc.p90Driver.parameter} (held at its most likely value, p90 falls from ${money(pc.monthly.p90)} to ${money(pc.p90Driver.p90Held)})`,
    table([
      ["parameter", "min", "most likely", "max", "p90/month with it held", "p90 falls by"],
      ...pc.p90Driver.byParameter.map((x) => [x.parameter, show(x.parameter, d[x.parameter].min), show(x.parameter, d[x.parameter].mode), show(x.parameter, d[x.parameter].max), money(x.p90Held), money(pc.monthly.p90 - x.p90Held)]),
    ]),
    "  distributions (triangular: min, most likely, max) and where they come from:",
    ...DISTRIBUTED_PARAMETERS.map((n) => `  - ${n}: ${d[n].source}`),
  ];
}

/** Where the model truncates, and that the expected interview does not reach it. */
function cliffLines(base: EstimateBase, e: Estimate): string[] {
  const mix = base.mix ?? [{ catalog: base.catalog, share: 1, upstreams: [] }];
  const longest = Math.max(...e.input.durations.map((d) => d.minutes), base.maxMinutes);
  const at = (catalogOf: (c: Catalog) => Catalog) => weightedCost(mix.map((m) => ({ share: m.share, cost: sessionCost(catalogOf(m.catalog), sessionParams(m.catalog, longest, { rotateMinutes: base.rotateMinutes, ...base.session })) })));
  const window = (c: Catalog): Catalog => ({ ...c, model: { ...c.model, truncationTokens: undefined } });
  const real = at((c) => c);
  const wide = at(window);
  return mix.map((m) => `  ${m.catalog.model.name}: truncates at ${truncationTokensOf(m.catalog).toLocaleString("en-US")} tokens (${m.catalog.model.truncationTokens ? "the catalog's truncation point" : "the input limit"}; window ${m.catalog.model.inputLimitTokens.toLocaleString("en-US")})`)
    .concat(`  a ${longest}-minute expected interview${base.rotateMinutes ? ` (rotation every ${base.rotateMinutes} min)` : " (no rotation)"}: peak input ${int(real.peakInputTokens)} tokens, ${money4(real.total)} truncating at the catalog's point, ${money4(wide.total)} at the window: ${Math.abs(real.total - wide.total) < 1e-9 ? "no cliff" : `${pct(real.total / wide.total - 1)} apart`}`);
}

function render(base: EstimateBase, r: RangeEstimate, byVolume: RangeEstimate[], budget: string[] | undefined, pc: PercentileEstimate, pcByVolume: VolumePercentiles[]): string {
  const e = r.expected;
  const p = e.perInterview;
  const i = e.monthly.infrastructureBreakdown;
  const c = e.capacity;
  const q = c.upstream;
  const mix = base.mix ?? [{ catalog: base.catalog, share: 1, upstreams: [] }];
  return [
    `Pricing: ${e.catalogs.map((x) => `${x.name} [${x.id}]${e.catalogs.length > 1 ? ` x ${pct(x.share)}` : ""}`).join(" + ")}`,
    ...base.pricing.map((l) => `  ${l}`),
    `Interview (most likely values): ${lengths(e.input.durations)} (session limit ${base.maxMinutes} min); candidate ${pct(e.input.session.userSpeakingShare)}, model ${pct(e.input.session.modelSpeakingShare)}, ${e.input.session.turnsPerMinute} responses/min, ${e.input.session.instructionsTokens} instruction tokens, ${pct(e.input.session.interruptedShare)} of replies interrupted (billed in full), ${pct(e.input.session.cacheHitRate)} cache hits, truncation ${describeTruncation(e.input.session.truncation)}, transcription ${e.input.session.transcription ? "on" : "off"}, ${e.input.session.rotateMinutes ? `upstream rotated every ${e.input.session.rotateMinutes} min (history re-sent as text)` : "no upstream rotation"}`,
    "",
    "Per interview (expected; lengths priced one by one and weighted)",
    table([
      ["part", "tokens", "cost"],
      ["audio input (uncached)", int(p.tokens.audioInput), money4(p.audioInput)],
      ["audio output", int(p.tokens.audioOutput), money4(p.audioOutput)],
      ["text (input + output, uncached)", int(p.tokens.textInput + p.tokens.textOutput), money4(p.text)],
      ["cached input (audio + text)", int(p.tokens.audioCachedInput + p.tokens.textCachedInput), money4(p.cached)],
      ["input transcription", int(p.tokens.transcriptionAudio + p.tokens.transcriptionText), money4(p.transcription)],
      ["total", "", money4(p.total)],
      [`  of which re-sent by rotations as uncached text`, `${int(p.primedTextTokens)} tokens in ${Math.round(p.primedResponses)} responses`, ""],
      ...e.byDuration.map((d) => [`  of which ${d.minutes} min (${pct(d.share)})`, `${Math.round(d.cost.responses)} responses`, money4(d.cost.total)]),
    ]),
    "",
    ...percentileLines(pc),
    "",
    `Past the input limit (${mix.map((m) => `${m.catalog.model.name}: ${m.catalog.model.inputLimitTokens.toLocaleString("en-US")} tokens`).join(", ")}): per interview by truncation mode`,
    table(truncationTable(base, e.input.durations)),
    ...cliffLines(base, e),
    `  talkative: candidate ${pct(INTERVIEW_RANGES.speakingShares.high.user)}, model ${pct(INTERVIEW_RANGES.speakingShares.high.model)}, ${INTERVIEW_RANGES.turnsPerMinute.high} turns/min; "cut": responses whose history was truncated`,
    "",
    "Cost by daily volume",
    table([["daily volume", "per interview (most likely)", "monthly p10", "monthly p50", "monthly p90", "monthly mean"],
      ...byVolume.map((x, i) => [`${x.expected.daily.interviews.toLocaleString("en-US")} interviews`, money4(x.expected.perInterview.total), money(pcByVolume[i].p10), money(pcByVolume[i].p50), money(pcByVolume[i].p90), money(pcByVolume[i].mean)])]),
    "",
    `Infrastructure (expected; ${e.input.sizing.minReplicas}-${e.input.sizing.maxReplicas} replicas of ${e.input.sizing.cpu} vCPU / ${e.input.sizing.memoryGiB} GiB, Redis ${e.input.sizing.redisSku}${e.input.sizing.frontDoor ? ", Front Door" : ""})`,
    table([["component", "cost/month"],
      ["Container Apps", money(i.containerApps)],
      ["Front Door base", money(i.frontDoorBase)],
      [`Front Door data transfer (${int(i.frontDoorGB.toClient)} GB to clients, ${int(i.frontDoorGB.toOrigin)} GB to origin)`, money(i.frontDoorTransfer)],
      ["Front Door requests", money(i.frontDoorRequests)],
      ["Redis", money(i.redis)], ["Container Registry", money(i.containerRegistry)], ["Key Vault operations", money(i.keyVault)], ["Monitoring (logs)", money(i.monitoring)],
      ["total infrastructure", money(i.total)]]),
    "",
    `Capacity at ${e.input.interviewsPerDay.toLocaleString("en-US")}/day (the day's arrival curve, Poisson around it; p${c.percentile})`,
    `  open sessions at the busiest minute: mean ${c.peakMeanSessions.toFixed(1)}, p${c.percentile} ${c.peakConcurrentSessions}; replicas ${c.replicasNeeded}`,
    `  new upstream connections a minute: mean ${c.startsPerMinuteMean.toFixed(2)} starts, p${c.percentile} ${c.startsPerMinuteAtPercentile}${c.rotationsPerMinute > 0 ? ` + ${c.rotationsPerMinute.toFixed(1)} rotations` : " (rotations not counted: the service does not rotate upstream connections yet)"}`,
    `  tokens a minute at p${c.percentile}: ${int(c.spokenTokensPerMinute)} spoken (speech and transcript, ${int(c.spokenTokensPerMinute / Math.max(1, c.peakConcurrentSessions))} per session); ${int(c.billedTokensPerMinute)} counting re-sent input (${int(c.billedTokensPerMinute / Math.max(1, c.peakConcurrentSessions))} per session)`,
    q.tokensPerMinute || q.newConnectionsPerMinute
      ? `  quota per upstream resource: ${q.newConnectionsPerMinute ? `${q.newConnectionsPerMinute.value} new connections/min (${q.newConnectionsPerMinute.source}, ${q.newConnectionsPerMinute.asOf})` : "connections: not known"}; ${q.tokensPerMinute ? `${q.tokensPerMinute.value.toLocaleString("en-US")} tokens/min (${q.tokensPerMinute.source}, ${q.tokensPerMinute.asOf})` : "tokens: not known"}`
      : "  quota per upstream resource: not known for this catalog",
    `  upstream resources per region: ${q.neededAtLeast} if cached input does not count against the token quota, ${q.neededAtMost} if it does (not documented); the stack has ${base.upstreamResources ?? 1} at the top priority`,
    "",
    e.ptu.available
      ? `PTU: ${e.ptu.ptus} PTU = ${money(e.ptu.monthlyCost)}/month, carrying ${int(e.ptu.capacityInterviewsPerDay)} interviews/day; ${e.ptu.breakEvenInterviewsPerDay !== undefined ? `cheaper than pay-as-you-go from ${int(e.ptu.breakEvenInterviewsPerDay)} interviews/day` : "never cheaper than pay-as-you-go"}\n${e.ptu.assumptions.map((a) => `  - ${a}`).join("\n")}`
      : `PTU: ${e.ptu.reason}`,
    ...(budget ? ["", "Budget (what `npm run plan` derives)", ...budget.map((l) => `  ${l}`)] : []),
    "",
    "Notes",
    ...e.notes.map((n) => `  - ${n}`),
    "",
    "Sources (every figure the estimate uses: value, unit, source, date, confidence)",
    ...sources(mix.map((m) => m.catalog).concat(base.failover?.map((f) => f.catalog) ?? []).filter((x, k, all) => all.findIndex((y) => y.id === x.id) === k)),
  ].join("\n");
}

function summary(r: RangeEstimate) {
  const part = (e: Estimate) => ({ perInterview: e.perInterview.total, monthly: e.monthly.total });
  return { low: part(r.low), expected: part(r.expected), high: part(r.high), sensitivity: r.sensitivity };
}

/** Numbers to at most 6 decimals (a millionth of a dollar), without binary float noise (0.30000000000000004 -> 0.3). */
export function csvValue(value: string | number): string {
  return typeof value === "number" ? String(Number(value.toFixed(6))) : value;
}

function csv(byVolume: RangeEstimate[], percentiles: Array<{ p10: number; p50: number; p90: number; mean: number }>): string {
  const header = ["catalog", "interviews_per_day", "mean_minutes", "per_interview_audio_input", "per_interview_audio_output", "per_interview_text", "per_interview_cached", "per_interview_transcription", "per_interview_total", "per_interview_low", "per_interview_high", "daily_api", "monthly_api", "monthly_infrastructure", "monthly_total", "monthly_p10", "monthly_p50", "monthly_p90", "monthly_mean", "monthly_low", "monthly_high", "monthly_per_interview"];
  const rows = byVolume.map(({ low, expected: e, high }, i) => [e.catalogs.map((c) => c.id).join("+"), e.daily.interviews, e.input.minutesPerInterview, e.perInterview.audioInput, e.perInterview.audioOutput, e.perInterview.text, e.perInterview.cached, e.perInterview.transcription, e.perInterview.total, low.perInterview.total, high.perInterview.total, e.daily.api, e.monthly.api, e.monthly.infrastructure, e.monthly.total, percentiles[i].p10, percentiles[i].p50, percentiles[i].p90, percentiles[i].mean, low.monthly.total, high.monthly.total, e.monthly.perInterview].map(csvValue).join(","));
  return [header.join(","), ...rows].join("\n");
}

/**
 * `--reconcile EXPORT.csv --metered RECORDS.csv --stack NAME`: per day the invoice's usage cost in the
 * stack's upstream resource groups and its own group, the metered cost and the model's daily API cost,
 * with the drift; weeks whose drift is above 2% are flagged (exit 1 when any is).
 */
function runReconcile(args: Args): void {
  try {
    if (!args.reconcile || !args.metered || !args.stack) throw new UsageError("--reconcile needs an export file, --metered a records file, and --stack the stack whose resource groups to read");
    const config = loadStackConfigFile(args.stack);
    const groups = { upstream: Object.values(config.upstreamResourceGroups), platform: [resourceNames(PROJECT, args.stack).resourceGroup] };
    const invoice = readFocusExport(readFileSync(args.reconcile, "utf8"), groups, args.reconcile);
    const metered = readMeteredRecords(readFileSync(args.metered, "utf8"), args.metered);
    const base = estimateBaseFor(config);
    const durations = base.durations ?? [{ minutes: 30, share: 1 }];
    const e = estimate({ ...base, durations, interviewsPerDay: base.interviewsPerDay ?? 0 });
    const r = reconcile(invoice.days, metered, e.daily.api);
    const c = invoice.currency;
    const m = (x: number) => `${x.toFixed(2)} ${c}`;
    const p = (x?: number) => (x === undefined ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`);
    console.log(`Invoice (FOCUS export ${args.reconcile}; upstream groups ${groups.upstream.join(", ")}; platform group ${groups.platform.join(", ")}) beside the meter (${args.metered}) and the model (${e.input.interviewsPerDay.toLocaleString("en-US")} interviews/day, most likely values; ${c === "USD" ? "USD" : `model in USD, invoice in ${c}`})`);
    console.log(table([["day", "invoice upstream", "invoice platform", "metered", "model (API)", "drift (metered vs invoice upstream)"], ...r.days.map((d) => [d.day, m(d.invoiceUpstream), m(d.invoicePlatform), m(d.metered), m(d.model), p(d.drift)])]));
    console.log("");
    console.log(table([["week", "invoice upstream", "metered", "model (API)", "drift", ""], ...r.weeks.map((w) => [`${w.from} .. ${w.to}`, m(w.invoiceUpstream), m(w.metered), m(w.model), p(w.drift), w.flagged ? `FLAGGED: drift above ${WEEKLY_DRIFT_TOLERANCE * 100}%` : "ok"])]));
    if (r.weeks.some((w) => w.flagged)) process.exitCode = 1;
  } catch (error) {
    console.error(`cost: ${(error as Error).message}`);
    process.exit(2);
  }
}

/**
 * `--refresh-prices`: every catalog price that names its Retail Prices meter is read from the API
 * (RETAIL_PRICES_URL overrides the address and COST_CATALOGS_DIR the catalogs folder, for a local copy)
 * and written back with the date.
 */
async function runRefresh(): Promise<void> {
  const dir = process.env.COST_CATALOGS_DIR ?? join(__dirname, "..", "cost", "catalogs");
  const today = new Date().toISOString().slice(0, 10);
  let failed = false;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const path = join(dir, file);
    const json = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (meteredFigures(json).length === 0) continue;
    try {
      const items = (await Promise.all(filtersFor(json).map((f) => fetchRetailPrices(f.filter, f.currency, { url: process.env.RETAIL_PRICES_URL })))).flat();
      const missing = applyPrices(json, items, today);
      writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`${file}: ${meteredFigures(json).length - missing.length} prices read ${today}${missing.length ? `; not found: ${missing.join(", ")}` : ""}`);
      if (missing.length) failed = true;
    } catch (error) {
      console.error(`${file}: ${(error as Error).message}`);
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
}

/** The stated distributions; a stack's budget.cacheHitRate (low, expected, high) replaces the cache's. */
function distributionsFor(base: EstimateBase): ParameterDistributions {
  const c = base.cacheHitRate;
  return c ? { ...DEFAULT_DISTRIBUTIONS, cacheHitRate: { min: c.low, mode: c.expected, max: c.high, source: `the stack's budget.cacheHitRate (${c.low} / ${c.expected} / ${c.high}); ${DEFAULT_DISTRIBUTIONS.cacheHitRate.source}` } } : DEFAULT_DISTRIBUTIONS;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`cost: ${(error as Error).message}\nusage: npm run cost -- [--stack NAME] [--catalog ${catalogIds().join("|")}] [--interviews-per-day N] [--minutes M] [--format table|json|csv] [--chart FILE.svg]`);
    process.exit(2);
  }
  if (args.reconcile !== undefined || args.metered !== undefined) return runReconcile(args);
  if (args.refreshPrices) return runRefresh();
  let base: EstimateBase;
  let budget: string[] | undefined;
  try {
    if (args.stack) {
      const config = loadStackConfigFile(args.stack);
      base = estimateBaseFor(config, { catalogId: args.catalog, interviewsPerDay: args.interviewsPerDay, minutesPerInterview: args.minutes });
      // The budget as the plan derives it (from the stack file alone, flags ignored).
      budget = sizeStack(config).budget.derivation?.lines;
    } else {
      const catalog = catalogById(args.catalog ?? DEFAULT_CATALOG_ID);
      base = {
        catalog, sizing: SEED_SIZING, interviewsPerDay: args.interviewsPerDay, durations: args.minutes !== undefined ? [{ minutes: args.minutes, share: 1 }] : undefined,
        pricing: [`catalog ${catalog.id} (${args.catalog ? "--catalog" : "default"}); sizing: the seed's (2-50 replicas of 2 vCPU / 4 GiB)`], maxMinutes: SESSION_DEFAULTS.maxMinutes,
      };
    }
  } catch (error) {
    console.error(error instanceof StackConfigError ? error.message : `cost: ${(error as Error).message}`);
    process.exit(2);
  }
  const durations = base.durations ?? [{ minutes: 30, share: 1 }];
  const ranges: ParameterRanges = args.stack ? stackRanges(base, durations) : defaultRanges(durations, Math.max(base.maxMinutes, ...durations.map((d) => d.minutes)), undefined, base.catalog.sessionDefaults);
  const perDay = base.interviewsPerDay;
  const volumes = perDay !== undefined ? [perDay] : SEED_PRINTED.table.map((r) => r.interviewsPerDay);
  const input = { ...base, durations };
  const byVolume = volumes.map((v) => estimateRange({ ...input, interviewsPerDay: v }, ranges));
  const main = byVolume[byVolume.length - 1];
  const distributions = distributionsFor(base);
  const pc = estimatePercentiles({ ...input, interviewsPerDay: main.expected.input.interviewsPerDay }, distributions);
  const pcByVolume = monthlyPercentilesByVolume(input, volumes, distributions);
  const catalogs = (base.mix ?? [{ catalog: base.catalog }]).map((m) => m.catalog);
  const sourceList = catalogs.map((c) => ({ id: c.id, figures: figuresOf(c), inputLimit: { tokens: c.model.inputLimitTokens, source: c.model.inputLimitSource }, ptu: c.ptu }));

  if (args.format === "json") {
    const percentiles = { perInterview: pc.perInterview, monthly: pc.monthly, p90Driver: pc.p90Driver, distributions: pc.distributions, samples: pc.samples, seed: pc.seed };
    const one = { ...main.expected, percentiles, range: summary(main), budget, sources: sourceList };
    console.log(JSON.stringify(perDay !== undefined ? one : { ...one, byVolume: byVolume.map((r, i) => ({ ...r.expected, monthlyPercentiles: pcByVolume[i], range: summary(r) })) }, null, 2));
  } else if (args.format === "csv") console.log(csv(byVolume, pcByVolume));
  else console.log(render(base, main, byVolume, budget, pc, pcByVolume));

  if (args.chart) {
    const top = main.expected.ptu.available && main.expected.ptu.breakEvenInterviewsPerDay !== undefined ? main.expected.ptu.breakEvenInterviewsPerDay * 1.5 : 0;
    const svg = await renderChartSvg({
      base: input, distributions, markInterviewsPerDay: perDay, maxInterviewsPerDay: Math.max(2 * (perDay ?? 2500), Math.ceil(top)),
      title: "Monthly cost by daily volume",
      subtitle: `${main.expected.catalogs.map((c) => c.name).join(" + ")}; interviews of ${lengths(durations)}${base.rotateMinutes ? `; upstream rotated every ${base.rotateMinutes} min` : ""}; band: p10-p90 of ${pc.samples.toLocaleString("en-US")} seeded draws of the stated parameter distributions`,
    });
    writeFileSync(args.chart, svg);
    console.error(`chart: ${args.chart}`);
  }
}

void main();
