/**
 * Ranges instead of one guess: the estimate at the expected value of every parameter, then each
 * parameter moved alone to its low and high value (which one moves the total most), and the envelope:
 * every parameter at its cheaper end together ("low") and at its dearer end together ("high"). The
 * envelope is not a percentile: it is what the stated ranges allow at their extremes.
 */
import type { Catalog } from "./catalog";
import { estimate, type Estimate, type EstimateInput } from "./estimate";
import { describeTruncation, INTERVIEW_RANGES, type Range, type SpeakingShares, type Truncation } from "./interview";
import type { DurationShare } from "./traffic";
import type { CatalogShare } from "./upstreams";

export interface ParameterRanges {
  cacheHitRate: Range<number>;
  speakingShares: Range<SpeakingShares>;
  turnsPerMinute: Range<number>;
  durations: Range<DurationShare[]>;
  truncation: Range<Truncation>;
  /** The catalogs, when failover to a lower priority would price sessions differently. */
  mix?: Range<CatalogShare[]>;
}

export type ParameterName = keyof ParameterRanges;

export interface Sensitivity {
  parameter: ParameterName;
  /** The parameter's low and high values, described. */
  values: { low: string; expected: string; high: string };
  perInterview: { low: number; high: number };
  monthly: { low: number; high: number };
  /** |monthly(high) - monthly(low)|: how much this parameter alone moves the monthly total. */
  swing: number;
}

export interface RangeEstimate {
  low: Estimate;
  expected: Estimate;
  high: Estimate;
  /** Largest swing first. */
  sensitivity: Sensitivity[];
  ranges: ParameterRanges;
}

const fixed = <T>(value: T): Range<T> => ({ low: value, expected: value, high: value });

/**
 * The default ranges around an input's own lengths: from the shortest length alone to the limit alone.
 * A catalog that models someone else's sheet (the seed) keeps its own interview shape (`pinned`).
 */
export function defaultRanges(durations: DurationShare[], maxMinutes: number, truncation: Truncation = { type: "auto" }, pinned?: Catalog["sessionDefaults"]): ParameterRanges {
  const shortest = Math.min(...durations.map((d) => d.minutes));
  const longest = Math.max(maxMinutes, ...durations.map((d) => d.minutes));
  return {
    cacheHitRate: INTERVIEW_RANGES.cacheHitRate,
    speakingShares: pinned ? fixed({ user: pinned.userSpeakingShare, model: pinned.modelSpeakingShare }) : INTERVIEW_RANGES.speakingShares,
    turnsPerMinute: pinned ? fixed(pinned.turnsPerMinute) : INTERVIEW_RANGES.turnsPerMinute,
    durations: { low: [{ minutes: shortest, share: 1 }], expected: durations, high: [{ minutes: longest, share: 1 }] },
    truncation: { low: { type: "retention_ratio", retentionRatio: 0.8 }, expected: truncation, high: { type: "auto" } },
  };
}

type End = "low" | "expected" | "high";

function apply(base: EstimateInput, ranges: ParameterRanges, choice: Partial<Record<ParameterName, End>>): EstimateInput {
  const at = <T>(name: ParameterName, r: Range<T>): T => r[choice[name] ?? "expected"];
  const shares = at("speakingShares", ranges.speakingShares);
  const input: EstimateInput = {
    ...base,
    durations: at("durations", ranges.durations),
    minutesPerInterview: undefined,
    session: {
      ...base.session,
      cacheHitRate: at("cacheHitRate", ranges.cacheHitRate),
      userSpeakingShare: shares.user,
      modelSpeakingShare: shares.model,
      turnsPerMinute: at("turnsPerMinute", ranges.turnsPerMinute),
      truncation: at("truncation", ranges.truncation),
    },
  };
  if (ranges.mix) input.mix = at("mix", ranges.mix);
  return input;
}

const describe: { [K in ParameterName]: (v: NonNullable<ParameterRanges[K]>["low"]) => string } = {
  cacheHitRate: (v) => `${Math.round((v as number) * 100)}% cache hits`,
  speakingShares: (v) => `candidate ${Math.round((v as SpeakingShares).user * 100)}% / model ${Math.round((v as SpeakingShares).model * 100)}%`,
  turnsPerMinute: (v) => `${v} turns/min`,
  durations: (v) => (v as DurationShare[]).map((d) => (d.share === 1 ? `${d.minutes} min` : `${d.minutes} min x ${Math.round(d.share * 100)}%`)).join(", "),
  truncation: (v) => describeTruncation(v as Truncation),
  mix: (v) => (v as CatalogShare[]).map((c) => `${c.catalog.id}${c.share < 1 ? ` x ${Math.round(c.share * 100)}%` : ""}`).join(", "),
};

export function describeValue<K extends ParameterName>(name: K, value: NonNullable<ParameterRanges[K]>["low"]): string {
  return describe[name](value);
}

export function estimateRange(base: EstimateInput, ranges: ParameterRanges): RangeEstimate {
  const expected = estimate(apply(base, ranges, {}));
  const names = (Object.keys(ranges) as ParameterName[]).filter((n) => ranges[n] !== undefined);
  const cheaper: Partial<Record<ParameterName, End>> = {};
  const dearer: Partial<Record<ParameterName, End>> = {};
  const sensitivity: Sensitivity[] = names.map((name) => {
    const r = ranges[name]!;
    const atLow = estimate(apply(base, ranges, { [name]: "low" }));
    const atHigh = estimate(apply(base, ranges, { [name]: "high" }));
    // Each end is compared with the expected value too: a range need not straddle it.
    const ends: Array<[End, number]> = [["low", atLow.monthly.total], ["expected", expected.monthly.total], ["high", atHigh.monthly.total]];
    cheaper[name] = ends.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    dearer[name] = ends.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const d = describe[name] as (v: unknown) => string;
    return {
      parameter: name,
      values: { low: d(r.low), expected: d(r.expected), high: d(r.high) },
      perInterview: { low: atLow.perInterview.total, high: atHigh.perInterview.total },
      monthly: { low: atLow.monthly.total, high: atHigh.monthly.total },
      swing: Math.abs(atHigh.monthly.total - atLow.monthly.total),
    };
  });
  sensitivity.sort((a, b) => b.swing - a.swing);
  const order = sensitivity.map((x) => x.parameter);
  return { low: envelope(base, ranges, cheaper, order, -1), expected, high: envelope(base, ranges, dearer, order, 1), sensitivity, ranges };
}

/**
 * Parameters interact (truncation costs nothing until long, talkative interviews reach the input
 * limit), so the one-at-a-time ends are only a start: one pass over the parameters, largest swing
 * first, keeps for each the end that moves the total furthest given the others' ends.
 */
function envelope(base: EstimateInput, ranges: ParameterRanges, start: Partial<Record<ParameterName, End>>, order: ParameterName[], sign: 1 | -1): Estimate {
  const choice = { ...start };
  let best = estimate(apply(base, ranges, choice));
  for (const name of order) {
    for (const end of ["low", "expected", "high"] as End[]) {
      if (end === choice[name]) continue;
      const trial = estimate(apply(base, ranges, { ...choice, [name]: end }));
      if (sign * (trial.monthly.total - best.monthly.total) > 1e-9) {
        best = trial;
        choice[name] = end;
      }
    }
  }
  return best;
}

/** The input the expected estimate is computed from (the ranges' expected values applied). */
export function expectedInput(base: EstimateInput, ranges: ParameterRanges): EstimateInput {
  return apply(base, ranges, {});
}
