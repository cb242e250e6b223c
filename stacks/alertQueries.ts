/**
 * The log alerts: each rule's KQL and, built from the same parameters, an evaluator of what that KQL
 * computes over rows (the tests run it over telemetry captured from the real exporter, at each stack's
 * traffic). Pure.
 *
 * What a row holds (captured from @azure/monitor-opentelemetry 1.21 by tests/infra/telemetryCapture.test.ts):
 * one row per metric, attribute set and export interval (60 s); the data point's `value` is the
 * interval's sum (a counter's delta, a gauge's observation, a histogram's sum) and `count` is 1 for a
 * counter or gauge and the number of recordings for a histogram, with `min`/`max` for histograms only;
 * attributes arrive as `customDimensions`. In customMetrics these become `valueSum` (= `value`),
 * `valueCount`, `valueMin`, `valueMax` ("Application Insights telemetry data model: metric",
 * learn.microsoft.com, read 2026-11). So counters are summed with sum(valueSum), a gauge is read from
 * `value` (count 1), and a percentile needs the per-bucket counter, not the histogram.
 *
 * How a rule is evaluated (Microsoft.Insights/scheduledQueryRules, criteria with metricMeasureColumn):
 * Azure runs the query over the rows of the last `windowSize`, aggregates `metricMeasureColumn` over the
 * result rows with `timeAggregation` (Maximum here) and compares it with `threshold` (GreaterThan); no
 * row, no alert. `evaluateLogAlert` does exactly that over rows it is given.
 *
 * What only a real Log Analytics run can still confirm: KQL's handling of empty input (a `summarize`
 * without `by` over no rows, `toscalar` of nothing: the queries guard both with `coalesce` and a minimum),
 * that the window filter is applied to `timestamp` as the evaluator cuts it, the ingestion's column
 * mapping (above), and for the restart rule the system log's reason and message text (see restartAlert).
 */
import {
  ConnectStage, LATENCY_OVERFLOW_BUCKET, Metric, MetricAttribute, PLATFORM_ERROR_CODES, refusalsCausedBy,
} from "../contracts";
import type { StackConfig } from "./config";
import { CONTAINER_APPS_SYSTEM_LOG } from "./azureLiterals";
import { LATENCY_SAMPLE_TURNS, type RatioAlertGate, type StackSizing } from "./sizing";

/** A customMetrics row (timestamp in ms since the epoch). */
export interface MetricRow {
  timestamp: number;
  name: string;
  value: number;
  valueSum: number;
  valueCount: number;
  valueMin?: number;
  valueMax?: number;
  customDimensions: Record<string, string>;
  cloud_RoleInstance?: string;
  cloud_RoleName?: string;
}

/**
 * A ContainerAppSystemLogs_CL row: the table a Container Apps environment with the `log-analytics` logs
 * destination writes system events to (`_s` string columns; the `azure-monitor` destination writes
 * ContainerAppSystemLogs without suffixes). Columns as Microsoft's own users query them
 * (microsoft/azure-container-apps issue 1085, 2024-02-16: `RevisionName_s`, `Log_s` holding "Container
 * '<name>' was terminated with exit code '137'"; issue 1163, 2024-05-09: reason `ContainerTerminated`).
 */
export interface SystemLogRow {
  TimeGenerated: number;
  ContainerAppName_s: string;
  Reason_s: string;
  Log_s: string;
}

export interface AlertRows {
  customMetrics: MetricRow[];
  systemLogs: SystemLogRow[];
}

export interface LogAlertSpec {
  name: string;
  description: string;
  query: string;
  /** Where the rule runs: Application Insights (customMetrics) or the Log Analytics workspace (system logs). */
  scope: "appInsights" | "workspace";
  /** Column holding the measured value, compared with `threshold` (ARM operator "GreaterThan"). */
  measure: string;
  threshold: number;
  severity: 0 | 1 | 2 | 3;
  /** ISO 8601: how often the rule runs, and over how much data. */
  evaluationFrequency: string;
  windowSize: string;
  windowMinutes: number;
  /** What the query's measure column holds over rows already cut to the window, as Maximum over its rows; undefined: no row. */
  measureOf(rows: AlertRows): number | undefined;
}

/** The latency alert needs this many turns in its window (its window is sized for it: sizing.latencyAlertWindow). */
export const MIN_TURNS = LATENCY_SAMPLE_TURNS;

/** The restart alert's window: a crash loop restarts a replica every few minutes (back-off). */
export const RESTART_WINDOW_MINUTES = 15;
/** The system log reason of a container's end (azureLiterals.ts, CONTAINER_APPS_SYSTEM_LOG). */
export const CONTAINER_TERMINATED_REASON = CONTAINER_APPS_SYSTEM_LOG.terminatedReason;

const dim = (key: string) => `tostring(customDimensions.${key})`;
const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");
const MINUTE_MS = 60_000;

/** A counter's rows: a metric name and equality / `in` filters on its dimensions. */
interface Selection {
  metric: string;
  filters: Array<{ key: string; values: readonly string[] }>;
}

function selectionKql(s: Selection): string[] {
  return [
    `| where name == "${s.metric}"`,
    ...s.filters.map((f) => `| where ${dim(f.key)} ${f.values.length === 1 ? `== "${f.values[0]}"` : `in (${list(f.values)})`}`),
  ];
}
const selects = (s: Selection, r: MetricRow) => r.name === s.metric && s.filters.every((f) => f.values.includes(r.customDimensions[f.key]));
const sumOf = (s: Selection, rows: MetricRow[]) => rows.filter((r) => selects(s, r)).reduce((sum, r) => sum + r.valueSum, 0);

const clientAttempts: Selection = { metric: Metric.connectAttempts, filters: [{ key: MetricAttribute.stage, values: [ConnectStage.client] }] };
const platformErrors: Selection = { metric: Metric.errors, filters: [{ key: MetricAttribute.code, values: PLATFORM_ERROR_CODES }] };
// Only refusals at the client's upgrade that the platform caused: a bad token, a foreign origin or a
// user over its limit is the client's doing, and an upstream connect that failed over is invisible to the
// user (its rows carry stage "upstream").
const platformRefusals: Selection = {
  metric: Metric.connectFailures,
  filters: [{ key: MetricAttribute.stage, values: [ConnectStage.client] }, { key: MetricAttribute.reason, values: refusalsCausedBy("platform") }],
};

/** Open sessions: each instance's largest gauge value in a minute, summed over instances, per minute. */
const OPEN_SESSIONS_PER_MINUTE = [
  `| where name == "${Metric.sessionsActive}"`,
  "| summarize perInstance = max(value) by cloud_RoleInstance, bin(timestamp, 1m)",
  "| summarize open = sum(perInstance) by timestamp",
];
function openSessionsPerMinute(rows: MetricRow[]): number[] {
  const perInstance = new Map<string, number>();
  for (const r of rows.filter((x) => x.name === Metric.sessionsActive)) {
    const key = `${r.cloud_RoleInstance}|${Math.floor(r.timestamp / MINUTE_MS)}`;
    perInstance.set(key, Math.max(perInstance.get(key) ?? -Infinity, r.value));
  }
  const perMinute = new Map<string, number>();
  for (const [key, value] of perInstance) {
    const minute = key.split("|")[1];
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + value);
  }
  return [...perMinute.values()];
}

const isoMinutes = (minutes: number) => (minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`);
/** Every minute for windows up to 15 minutes; every 5 minutes for longer ones (a page is at most 5 minutes late). */
const frequencyFor = (windowMinutes: number) => (windowMinutes <= 15 ? "PT1M" : "PT5M");

export function logAlerts(
  config: StackConfig,
  sizing: Pick<StackSizing, "sessionCapacity" | "capacityAlertThreshold" | "dailySpendAlertUsd" | "budget" | "alertGates">,
  options: { containerAppName?: string } = {},
): LogAlertSpec[] {
  const a = config.alerts;
  const window = a.windowMinutes;
  const every = "PT1M";
  const gates = sizing.alertGates;
  return [
    {
      name: "sessions-near-capacity",
      description: `Active sessions above ${a.capacityPercent}% of capacity (${config.replicas.max} replicas x ${config.sessionsPerReplica} = ${sizing.sessionCapacity}): raise replicas.max`,
      // The gauge is per instance (one row a minute, count 1): each instance's largest value in a minute, summed.
      query: ["customMetrics", ...OPEN_SESSIONS_PER_MINUTE.slice(0, 2), "| summarize active = sum(perInstance) by bin(timestamp, 1m)"].join("\n"),
      scope: "appInsights",
      measure: "active",
      threshold: sizing.capacityAlertThreshold,
      severity: 1,
      evaluationFrequency: every,
      windowSize: isoMinutes(window),
      windowMinutes: window,
      measureOf: (rows) => {
        const open = openSessionsPerMinute(rows.customMetrics);
        return open.length ? Math.max(...open) : undefined;
      },
    },
    latencyAlert(a.latencyP95Ms, gates.latencyWindowMinutes),
    {
      name: "error-rate",
      description: `Sessions ending on a platform error (${PLATFORM_ERROR_CODES.join(", ")}): at least ${gates.platformErrors.minEvents} in ${gates.platformErrors.windowMinutes} min and above ${a.errorRatePercent}% of the sessions open or started in that window`,
      ...ratioAlert(platformErrors, gates.platformErrors, "errorRate", true),
      threshold: a.errorRatePercent,
      severity: 1,
    },
    {
      name: "connect-failures",
      description: `Sessions refused by the platform (the client's own refusals and upstream failovers excluded): at least ${gates.connectFailures.minEvents} in ${gates.connectFailures.windowMinutes} min and above ${a.connectFailurePercent}% of the upgrades in that window`,
      ...ratioAlert(platformRefusals, gates.connectFailures, "failureRate", false),
      threshold: a.connectFailurePercent,
      severity: 0,
    },
    {
      name: "daily-spend",
      description: `Metered model usage above $${sizing.dailySpendAlertUsd} (a day's share of the $${sizing.budget.amount} monthly budget) in the last 24 hours, as the service meters it (each upstream's catalog)`,
      // The day's spend as the service meters it (voice.cost.usd: each response's usage priced with its
      // upstream's catalog by the cost model's own code), minutes after it happens, where Cost
      // Management's data lags 8-24 hours.
      query: ["customMetrics", `| where name == "${Metric.costUsd}"`, "| summarize spendUsd = sum(valueSum)"].join("\n"),
      scope: "appInsights",
      measure: "spendUsd",
      threshold: sizing.dailySpendAlertUsd,
      severity: 2,
      evaluationFrequency: "PT1H",
      windowSize: "P1D",
      windowMinutes: 24 * 60,
      measureOf: (rows) => rows.customMetrics.filter((r) => r.name === Metric.costUsd).reduce((usd, r) => usd + r.valueSum, 0),
    },
    ...(options.containerAppName ? [restartAlert(options.containerAppName)] : []),
  ];
}

/** p95 above T exactly when more than 5% of the turns (at least MIN_TURNS) fall in buckets above T (T is a bucket bound). */
function latencyAlert(slowerThanMs: number, windowMinutes: number): LogAlertSpec {
  const isSlow = (bucket: string | undefined) => bucket === LATENCY_OVERFLOW_BUCKET || Number(bucket) > slowerThanMs;
  return {
    name: "latency-p95",
    description: `p95 of end-of-turn to first audio above ${slowerThanMs} ms: more than 5% of turns (at least ${MIN_TURNS}) slower`,
    query: [
      `let slowerThanMs = ${slowerThanMs}.0;`,
      "customMetrics",
      `| where name == "${Metric.latencyTurns}"`,
      `| extend bucket = ${dim(MetricAttribute.latencyBucket)}`,
      `| summarize turns = sum(valueSum), slowTurns = sumif(valueSum, bucket == "${LATENCY_OVERFLOW_BUCKET}" or todouble(bucket) > slowerThanMs)`,
      `| where turns >= ${MIN_TURNS}`,
      "| extend slowTurnsPercent = 100.0 * slowTurns / turns",
    ].join("\n"),
    scope: "appInsights",
    measure: "slowTurnsPercent",
    threshold: 5,
    severity: 2,
    evaluationFrequency: "PT1M",
    windowSize: isoMinutes(windowMinutes),
    windowMinutes,
    measureOf: (rows) => {
      const turns = rows.customMetrics.filter((r) => r.name === Metric.latencyTurns);
      const all = turns.reduce((n, r) => n + r.valueSum, 0);
      const slow = turns.filter((r) => isSlow(r.customDimensions[MetricAttribute.latencyBucket])).reduce((n, r) => n + r.valueSum, 0);
      return all >= MIN_TURNS ? (100 * slow) / all : undefined;
    },
  };
}

/**
 * A share of events against what could have failed, with a minimum count of events. Refusals happen at
 * the upgrade, so they are compared with the upgrades in the window; a platform error can end any open
 * session (a mass `upstream_lost` ends sessions opened long before the window), so errors are compared
 * with the sessions open in the window (the largest per-minute total of the open-sessions gauge, an upper
 * bound of those open at its start) plus the upgrades in it.
 */
function ratioAlert(events: Selection, gate: RatioAlertGate, column: string, withOpenSessions: boolean) {
  const query = [
    `let attempts = toscalar(customMetrics ${selectionKql(clientAttempts).join(" ")} | summarize sum(valueSum));`,
    ...(withOpenSessions ? [`let openSessions = toscalar(customMetrics ${OPEN_SESSIONS_PER_MINUTE.join(" ")} | summarize max(open));`] : []),
    `let exposed = coalesce(attempts, 0.0)${withOpenSessions ? " + coalesce(openSessions, 0.0)" : ""};`,
    "customMetrics",
    ...selectionKql(events),
    "| summarize events = sum(valueSum)",
    `| where events >= ${gate.minEvents}`,
    `| extend ${column} = iff(exposed > 0, 100.0 * events / exposed, 100.0)`,
  ].join("\n");
  return {
    query,
    scope: "appInsights" as const,
    measure: column,
    evaluationFrequency: frequencyFor(gate.windowMinutes),
    windowSize: isoMinutes(gate.windowMinutes),
    windowMinutes: gate.windowMinutes,
    measureOf: (rows: AlertRows) => {
      const count = sumOf(events, rows.customMetrics);
      if (count < gate.minEvents) return undefined;
      const open = withOpenSessions ? openSessionsPerMinute(rows.customMetrics) : [];
      const exposed = sumOf(clientAttempts, rows.customMetrics) + (open.length ? Math.max(...open) : 0);
      return exposed > 0 ? (100 * count) / exposed : 100;
    },
  };
}

/**
 * Container restarts, from the system log's events: one row per termination, so a restart is counted in
 * the window it happens in and then ages out. The platform's `RestartCount` metric is cumulative per
 * replica ("Replica Restart Count is the aggregate restart count over the specified time range",
 * learn.microsoft.com/azure/container-apps/metrics, quoted in microsoft/azure-container-apps issue 467,
 * 2024-03-27; issue 1384, 2025-01-22: "The metric is currently emitting the cumulative number of
 * restarts"): any threshold on it fires for as long as a replica that once restarted lives. Exit code 0
 * (a drain that finished after SIGTERM) is not a failure; every other end is: a crash, a failed liveness
 * probe (killed), a drain that overran its grace (exit 1 or SIGKILL's 137).
 * A real workspace must confirm the reason text and the message format (both read from users' reports,
 * not from a reference page) before this rule is trusted to stay quiet on scale-in.
 */
export function restartAlert(containerAppName: string): LogAlertSpec {
  const exitCode = (log: string) => new RegExp(CONTAINER_APPS_SYSTEM_LOG.exitCodePattern).exec(log)?.[1];
  return {
    name: "container-restarts",
    description: `Voice proxy containers ended other than by a clean drain (crash, failed liveness probe, drain past its grace) in the last ${RESTART_WINDOW_MINUTES} min`,
    query: [
      CONTAINER_APPS_SYSTEM_LOG.table,
      `| where ContainerAppName_s == "${containerAppName}"`,
      `| where Reason_s == "${CONTAINER_TERMINATED_REASON}"`,
      `| extend exitCode = extract(@"${CONTAINER_APPS_SYSTEM_LOG.exitCodePattern}", 1, Log_s)`,
      `| where exitCode != "0"`,
      "| summarize restarts = count()",
    ].join("\n"),
    scope: "workspace",
    measure: "restarts",
    threshold: 0,
    severity: 2,
    evaluationFrequency: "PT5M",
    windowSize: isoMinutes(RESTART_WINDOW_MINUTES),
    windowMinutes: RESTART_WINDOW_MINUTES,
    measureOf: (rows) => rows.systemLogs.filter((r) => r.ContainerAppName_s === containerAppName && r.Reason_s === CONTAINER_TERMINATED_REASON && exitCode(r.Log_s) !== "0").length,
  };
}

/** Runs a rule as Azure would at time `at` (ms): its window's rows, its measure, GreaterThan its threshold. */
export function evaluateLogAlert(spec: LogAlertSpec, rows: AlertRows, at: number): { measure?: number; fires: boolean } {
  const from = at - spec.windowMinutes * MINUTE_MS;
  const measure = spec.measureOf({
    customMetrics: rows.customMetrics.filter((r) => r.timestamp > from && r.timestamp <= at),
    systemLogs: rows.systemLogs.filter((r) => r.TimeGenerated > from && r.TimeGenerated <= at),
  });
  return { measure, fires: measure !== undefined && measure > spec.threshold };
}
