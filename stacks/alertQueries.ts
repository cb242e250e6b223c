/**
 * The log alerts, as KQL over Application Insights `customMetrics`: where the Azure Monitor exporter's
 * metric rows land, under the instrument names of contracts/telemetry.ts (which the service emits). Pure.
 *
 * What a row holds (captured from @azure/monitor-opentelemetry 1.21 by tests/infra/telemetryCapture.test.ts):
 * one row per metric, attribute set and export interval (60 s); the data point's `value` is the
 * interval's sum (a counter's delta, a gauge's observation, a histogram's sum) and `count` is 1 for a
 * counter or gauge and the number of recordings for a histogram, with `min`/`max` for histograms only;
 * attributes arrive as `customDimensions`. In customMetrics these become `valueSum` (= `value`),
 * `valueCount`, `valueMin`, `valueMax` ("Application Insights telemetry data model: metric",
 * learn.microsoft.com, read 2026-11). So counters are summed with sum(valueSum), a gauge is read from
 * `value` (count 1), and a percentile needs the per-bucket counter, not the histogram.
 */
import {
  ConnectStage, LATENCY_OVERFLOW_BUCKET, Metric, MetricAttribute, PLATFORM_ERROR_CODES, refusalsCausedBy,
} from "../contracts";
import type { StackConfig } from "./config";
import type { StackSizing } from "./sizing";

export interface LogAlertSpec {
  name: string;
  description: string;
  query: string;
  /** Column holding the measured value, compared with `threshold` (ARM operator "GreaterThan"). */
  measure: string;
  threshold: number;
  severity: 0 | 1 | 2 | 3;
  /** ISO 8601: how often the rule runs, and over how much data. */
  evaluationFrequency: string;
  windowSize: string;
}

/** A ratio alert needs this many client attempts in its window: one failure of two is not a 50% outage. */
export const MIN_ATTEMPTS = 20;
/** The latency alert needs this many turns in its window. */
export const MIN_TURNS = 20;

const dim = (key: string) => `tostring(customDimensions.${key})`;
const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");

export function logAlerts(
  config: StackConfig,
  sizing: Pick<StackSizing, "sessionCapacity" | "capacityAlertThreshold" | "dailySpendAlertUsd" | "budget">,
): LogAlertSpec[] {
  const a = config.alerts;
  const window = `PT${a.windowMinutes}M`;
  const every = "PT1M";
  return [
    {
      name: "sessions-near-capacity",
      description: `Active sessions above ${a.capacityPercent}% of capacity (${config.replicas.max} replicas x ${config.sessionsPerReplica} = ${sizing.sessionCapacity}): raise replicas.max`,
      // The gauge is per instance (one row a minute, count 1): each instance's largest value in a minute, summed.
      query: [
        "customMetrics",
        `| where name == "${Metric.sessionsActive}"`,
        "| summarize perInstance = max(value) by cloud_RoleInstance, bin(timestamp, 1m)",
        "| summarize active = sum(perInstance) by bin(timestamp, 1m)",
      ].join("\n"),
      measure: "active",
      threshold: sizing.capacityAlertThreshold,
      severity: 1,
      evaluationFrequency: every,
      windowSize: window,
    },
    {
      name: "latency-p95",
      description: `p95 of end-of-turn to first audio above ${a.latencyP95Ms} ms: more than 5% of turns (at least ${MIN_TURNS}) slower`,
      // The p95 is above T exactly when more than 5% of turns fall in buckets above T (T is a bucket bound).
      query: [
        `let slowerThanMs = ${a.latencyP95Ms}.0;`,
        "customMetrics",
        `| where name == "${Metric.latencyTurns}"`,
        `| extend bucket = ${dim(MetricAttribute.latencyBucket)}`,
        `| summarize turns = sum(valueSum), slowTurns = sumif(valueSum, bucket == "${LATENCY_OVERFLOW_BUCKET}" or todouble(bucket) > slowerThanMs)`,
        `| where turns >= ${MIN_TURNS}`,
        "| extend slowTurnsPercent = 100.0 * slowTurns / turns",
      ].join("\n"),
      measure: "slowTurnsPercent",
      threshold: 5,
      severity: 2,
      evaluationFrequency: every,
      windowSize: window,
    },
    {
      name: "error-rate",
      description: `Sessions ending on a platform error (${PLATFORM_ERROR_CODES.join(", ")}) above ${a.errorRatePercent}% of connection attempts`,
      query: ratioQuery(Metric.errors, "errorRate", [`| where ${dim(MetricAttribute.code)} in (${list(PLATFORM_ERROR_CODES)})`]),
      measure: "errorRate",
      threshold: a.errorRatePercent,
      severity: 1,
      evaluationFrequency: every,
      windowSize: window,
    },
    {
      name: "connect-failures",
      description: `Sessions refused by the platform above ${a.connectFailurePercent}% of attempts (the client's own refusals and upstream failovers excluded)`,
      // Only refusals at the client's upgrade that the platform caused: a bad token, a foreign origin or a
      // user over its limit is the client's doing, and an upstream connect that failed over is invisible
      // to the user (its rows carry stage "upstream").
      query: ratioQuery(Metric.connectFailures, "failureRate", [
        `| where ${dim(MetricAttribute.stage)} == "${ConnectStage.client}"`,
        `| where ${dim(MetricAttribute.reason)} in (${list(refusalsCausedBy("platform"))})`,
      ]),
      measure: "failureRate",
      threshold: a.connectFailurePercent,
      severity: 0,
      evaluationFrequency: every,
      windowSize: window,
    },
    {
      name: "daily-spend",
      description: `Metered model usage above $${sizing.dailySpendAlertUsd} (a day's share of the $${sizing.budget.amount} monthly budget) in the last 24 hours, as the service meters it (each upstream's catalog)`,
      query: spendQuery(),
      measure: "spendUsd",
      threshold: sizing.dailySpendAlertUsd,
      severity: 2,
      evaluationFrequency: "PT1H",
      windowSize: "P1D",
    },
  ];
}

/**
 * The day's spend as the service meters it (voice.cost.usd: each response's usage priced with its
 * upstream's catalog by the cost model's own code), minutes after it happens, where Cost Management's
 * data lags 8-24 hours.
 */
function spendQuery(): string {
  return [
    "customMetrics",
    `| where name == "${Metric.costUsd}"`,
    "| summarize spendUsd = sum(valueSum)",
  ].join("\n");
}

/** Percentage of a counter's events against the client upgrades in the same window (at least MIN_ATTEMPTS). */
function ratioQuery(counter: string, column: string, filters: string[]): string {
  return [
    `let attempts = toscalar(customMetrics | where name == "${Metric.connectAttempts}" and ${dim(MetricAttribute.stage)} == "${ConnectStage.client}" | summarize sum(valueSum));`,
    "customMetrics",
    `| where name == "${counter}"`,
    ...filters,
    "| summarize events = sum(valueSum)",
    `| where attempts >= ${MIN_ATTEMPTS}`,
    `| extend ${column} = 100.0 * events / attempts`,
  ].join("\n");
}
