/**
 * Percentiles instead of envelopes: p10 / p50 / p90 per interview and per month from stated parameter
 * distributions, by Monte Carlo with a fixed seed (the same input always prints the same figures).
 *
 * Two questions, two samplings:
 * - Per interview: how much does one interview cost? Every parameter and the length are drawn for each
 *   interview: the spread between interviews.
 * - Per month: what will the month cost? Over ~30,000 interviews a month the interview-to-interview
 *   spread averages out; what does not is that the parameters' true means are not measured yet. So a
 *   month draws the parameters once (our uncertainty about the population), prices the stack's length
 *   mix at them, and adds the infrastructure of the expected estimate (its few percent barely move with
 *   the parameters). The month's percentiles are those of that uncertainty.
 * "Moves p90 most": each parameter held at its mode in turn (same seed), how far the monthly p90 falls.
 */
import type { Catalog } from "./catalog";
import { estimate, durationsOf, type Estimate, type EstimateInput } from "./estimate";
import { sessionCost, sessionParams, type SessionParams } from "./session";
import type { CatalogShare } from "./upstreams";

/** A triangular distribution: the least, most likely and largest value, and why. */
export interface Triangular {
  min: number;
  mode: number;
  max: number;
  source: string;
}

export const DISTRIBUTED_PARAMETERS = ["cacheHitRate", "userSpeakingShare", "modelSpeakingShare", "turnsPerMinute", "instructionsTokens", "interruptedShare"] as const;
export type DistributedParameter = (typeof DISTRIBUTED_PARAMETERS)[number];
export type ParameterDistributions = Record<DistributedParameter, Triangular>;

/**
 * The stated distributions (none is measured yet: the meter's per-session records replace them).
 * - cacheHitRate: the only public observations are one 15-minute session each on two gpt-realtime
 *   snapshots, 63% and 97.5% of the audio input served from cache ("Realtime API cost anomaly:
 *   disproportionate charges on audio input", community.openai.com, 2025); Microsoft documents the cache
 *   as best effort, cleared after 5-10 minutes idle ("Prompt caching", learn.microsoft.com). So 60% to
 *   100%, most likely 95%: a judgement from two points, not a fitted distribution.
 * - speaking shares: interview guides' 80/20 talk split (HighMatch 2022; net-temps.com) with a quarter of
 *   pauses gives 55% / 20%; from a talkative candidate (65% / 15%) to the seed's talkative model (35% / 45%).
 *   A draw whose shares sum past 95% is scaled down to 95%.
 * - turnsPerMinute (responses a minute): one exchange a minute, down to 0.5 for long answers, up to 3 when
 *   server VAD splits answers at pauses and barge-ins add responses (assumption).
 * - instructionsTokens: 600 to 3,000 tokens of interview plan, most likely 1,200 (assumption).
 * - interruptedShare: none to 30% of replies cut by the candidate, most likely 10% (assumption).
 */
export const DEFAULT_DISTRIBUTIONS: ParameterDistributions = {
  cacheHitRate: { min: 0.6, mode: 0.95, max: 1, source: "two public sessions (63%, 97.5%; community.openai.com 2025) and Microsoft's 'best effort' (Prompt caching, learn.microsoft.com): a judgement, not a fit" },
  userSpeakingShare: { min: 0.35, mode: 0.55, max: 0.65, source: "interview guides' 80/20 talk split less a quarter of pauses (HighMatch 2022, net-temps.com); assumption" },
  modelSpeakingShare: { min: 0.15, mode: 0.2, max: 0.45, source: "as above; the seed's 45% as the talkative end; assumption" },
  turnsPerMinute: { min: 0.5, mode: 1, max: 3, source: "assumption: one exchange a minute; server VAD splits and barge-ins up to 3 responses a minute" },
  instructionsTokens: { min: 600, mode: 1200, max: 3000, source: "assumption: the interview plan, role and rules" },
  interruptedShare: { min: 0, mode: 0.1, max: 0.3, source: "assumption: replies the candidate cuts short (billed in full)" },
};

/** Mulberry32: a small seeded generator, so every run prints the same figures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverse CDF of the triangular distribution. */
export function triangular(d: Pick<Triangular, "min" | "mode" | "max">, u: number): number {
  const { min, mode, max } = d;
  if (!(min <= mode && mode <= max)) throw new RangeError(`triangular needs min <= mode <= max, got ${min}, ${mode}, ${max}`);
  if (max === min) return min;
  const f = (mode - min) / (max - min);
  return u < f ? min + Math.sqrt(u * (max - min) * (mode - min)) : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
}

/** The p-th percentile (0-100) of values, by linear interpolation between order statistics. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new RangeError("no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface Percentiles {
  p10: number;
  p50: number;
  p90: number;
  mean: number;
}

const summarise = (values: number[]): Percentiles => ({ p10: percentile(values, 10), p50: percentile(values, 50), p90: percentile(values, 90), mean: values.reduce((a, b) => a + b, 0) / values.length });

type Draw = Pick<SessionParams, DistributedParameter>;

function draw(d: ParameterDistributions, rng: () => number, hold?: DistributedParameter): Draw {
  const out = {} as Draw;
  // Always consume one number per parameter, so holding one leaves the others' draws unchanged.
  for (const name of DISTRIBUTED_PARAMETERS) {
    const u = rng();
    out[name] = name === hold ? d[name].mode : triangular(d[name], u);
  }
  const spoken = out.userSpeakingShare + out.modelSpeakingShare;
  if (spoken > 0.95) {
    out.userSpeakingShare *= 0.95 / spoken;
    out.modelSpeakingShare *= 0.95 / spoken;
  }
  return out;
}

export interface PercentileOptions {
  samples?: number;
  seed?: number;
}

export const DEFAULT_SAMPLES = 1000;
export const DEFAULT_SEED = 20261203;

export interface PercentileEstimate {
  /** The estimate at every parameter's mode (the expected interview). */
  expected: Estimate;
  perInterview: Percentiles;
  monthly: Percentiles;
  /** The parameter whose uncertainty lifts the monthly p90 most, and the p90 with it held at its mode. */
  p90Driver: { parameter: DistributedParameter; p90Held: number; byParameter: Array<{ parameter: DistributedParameter; p90Held: number }> };
  distributions: ParameterDistributions;
  samples: number;
  seed: number;
}

const mixOf = (base: EstimateInput): CatalogShare[] => base.mix ?? [{ catalog: base.catalog, share: 1, upstreams: [] }];

function apiPerInterview(base: EstimateInput, mix: CatalogShare[], minutes: number, p: Draw): number {
  return mix.reduce((sum, m) => sum + m.share * sessionCost(m.catalog, sessionParams(m.catalog, minutes, { rotateMinutes: base.rotateMinutes, ...base.session, ...p })).total, 0);
}

function pick<T extends { share: number }>(items: T[], u: number): T {
  let acc = 0;
  for (const item of items) {
    acc += item.share;
    if (u < acc) return item;
  }
  return items[items.length - 1];
}

/** Monthly totals, one per sample (parameters drawn once per month-sample). */
function monthlySamples(base: EstimateInput, expected: Estimate, d: ParameterDistributions, samples: number, seed: number, hold?: DistributedParameter): number[] {
  const rng = seededRandom(seed);
  const durations = durationsOf(base);
  const mix = mixOf(base);
  const interviews = expected.monthly.interviews;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const p = draw(d, rng, hold);
    const api = durations.reduce((s, x) => s + x.share * apiPerInterview(base, mix, x.minutes, p), 0);
    out.push(api * interviews + expected.monthly.infrastructure);
  }
  return out;
}

export function estimatePercentiles(base: EstimateInput, distributions: ParameterDistributions = DEFAULT_DISTRIBUTIONS, options: PercentileOptions = {}): PercentileEstimate {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!(Number.isInteger(samples) && samples >= 10)) throw new RangeError(`samples must be an integer >= 10, got ${samples}`);
  for (const [name, t] of Object.entries(distributions)) {
    if (!(t.min <= t.mode && t.mode <= t.max)) throw new RangeError(`distribution of ${name}: needs min <= mode <= max, got ${t.min}, ${t.mode}, ${t.max}`);
  }
  const modes = Object.fromEntries(DISTRIBUTED_PARAMETERS.map((n) => [n, distributions[n].mode])) as Draw;
  const expected = estimate({ ...base, session: { ...base.session, ...modes } });

  // Per interview: every parameter, the length and the catalog drawn per interview.
  const rng = seededRandom(seed ^ 0x9e3779b9);
  const durations = durationsOf(base);
  const mix = mixOf(base);
  const perInterview: number[] = [];
  for (let i = 0; i < samples; i++) {
    const p = draw(distributions, rng);
    const minutes = pick(durations, rng()).minutes;
    const catalog: Catalog = pick(mix, rng()).catalog;
    perInterview.push(sessionCost(catalog, sessionParams(catalog, minutes, { rotateMinutes: base.rotateMinutes, ...base.session, ...p })).total);
  }

  const monthly = summarise(monthlySamples(base, expected, distributions, samples, seed));
  const byParameter = DISTRIBUTED_PARAMETERS.map((parameter) => ({ parameter, p90Held: percentile(monthlySamples(base, expected, distributions, samples, seed, parameter), 90) }))
    .sort((a, b) => a.p90Held - b.p90Held);
  return {
    expected, perInterview: summarise(perInterview), monthly,
    p90Driver: { parameter: byParameter[0].parameter, p90Held: byParameter[0].p90Held, byParameter },
    distributions, samples, seed,
  };
}

/** Monthly p10 / p50 / p90 at other volumes (the chart): the same month-samples, rescaled by volume. */
export function monthlyPercentilesByVolume(base: Omit<EstimateInput, "interviewsPerDay">, volumes: number[], distributions: ParameterDistributions = DEFAULT_DISTRIBUTIONS, options: PercentileOptions = {}): Array<{ interviewsPerDay: number; expected: number } & Percentiles> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const modes = Object.fromEntries(DISTRIBUTED_PARAMETERS.map((n) => [n, distributions[n].mode])) as Draw;
  // API cost per interview for each month-sample (volume-independent), then each volume's total.
  const one = estimate({ ...base, interviewsPerDay: 1, session: { ...base.session, ...modes } });
  const perInterviewApi = monthlySamples({ ...base, interviewsPerDay: 1 }, { ...one, monthly: { ...one.monthly, infrastructure: 0 } }, distributions, samples, seed).map((x) => x / one.monthly.interviews);
  return volumes.map((interviewsPerDay) => {
    const e = estimate({ ...base, interviewsPerDay, session: { ...base.session, ...modes } });
    const totals = perInterviewApi.map((api) => api * e.monthly.interviews + e.monthly.infrastructure);
    return { interviewsPerDay, expected: e.monthly.total, ...summarise(totals) };
  });
}
