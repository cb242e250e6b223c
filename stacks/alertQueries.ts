/**
 * The seed's four alerts as KQL over Application Insights `customMetrics`, where OpenTelemetry metrics
 * land under their instrument names (contracts/telemetry.ts, which the service emits). Pure.
 */
import { ConnectStage, Metric, MetricAttribute, refusalsCausedBy } from "../contracts";
import type { StackConfig } from "./config";
import type { StackSizing } from "./sizing";

export interface LogAlertSpec {
  name: string;
  description: string;
  query: string;
  /** Column holding the measured value, compared with `threshold`. */
  measure: string;
  threshold: number;
  severity: 0 | 1 | 2 | 3;
}

export function logAlerts(config: StackConfig, sizing: Pick<StackSizing, "sessionCapacity" | "capacityAlertThreshold">): LogAlertSpec[] {
  const a = config.alerts;
  const capacity = sizing.sessionCapacity;
  return [
    {
      name: "sessions-near-capacity",
      description: `Active sessions above ${a.capacityPercent}% of capacity (${config.replicas.max} replicas x ${config.sessionsPerReplica} = ${capacity}): scale up`,
      // The gauge is per instance: the latest value of each, summed.
      query: [
        "customMetrics",
        `| where name == "${Metric.sessionsActive}"`,
        "| summarize perInstance = arg_max(timestamp, value) by cloud_RoleInstance, bin(timestamp, 1m)",
        "| summarize active = sum(value) by bin(timestamp, 1m)",
      ].join("\n"),
      measure: "active",
      threshold: sizing.capacityAlertThreshold,
      severity: 1,
    },
    {
      name: "latency-p95",
      description: `p95 of end-of-turn to first audio above ${a.latencyP95Ms} ms`,
      // customMetrics keeps count, sum, min and max per export interval, not buckets: the p95 is taken
      // over interval means, an approximation that under-reads single slow turns (docs/infrastructure.md).
      query: [
        "customMetrics",
        `| where name == "${Metric.latencyMs}" and valueCount > 0`,
        "| summarize p95 = percentile(valueSum / valueCount, 95) by bin(timestamp, 5m)",
      ].join("\n"),
      measure: "p95",
      threshold: a.latencyP95Ms,
      severity: 2,
    },
    {
      name: "error-rate",
      description: `Session errors above ${a.errorRatePercent}% of connection attempts`,
      query: ratioQuery(Metric.errors, "errorRate", ""),
      measure: "errorRate",
      threshold: a.errorRatePercent,
      severity: 1,
    },
    {
      name: "connect-failures",
      description: `Sessions failing to connect above ${a.connectFailurePercent}% (refused tokens and origins excluded)`,
      query: ratioQuery(Metric.connectFailures, "failureRate", `| where tostring(customDimensions.${MetricAttribute.reason}) !in (${clientCaused})`),
      measure: "failureRate",
      threshold: a.connectFailurePercent,
      severity: 0,
    },
  ];
}

/** Refusals the client caused (bad token, foreign origin, ...): not a platform failure. */
const clientCaused = refusalsCausedBy("client").map((code) => `"${code}"`).join(", ");

/** Percentage of a counter against client connection attempts in the same window. */
function ratioQuery(counter: string, column: string, filter: string): string {
  return [
    `let attempts = toscalar(customMetrics | where name == "${Metric.connectAttempts}" and tostring(customDimensions.${MetricAttribute.stage}) == "${ConnectStage.client}" | summarize sum(valueSum));`,
    "customMetrics",
    `| where name == "${counter}"`,
    ...(filter ? [filter] : []),
    "| summarize events = sum(valueSum)",
    `| extend ${column} = iff(attempts > 0, 100.0 * events / attempts, 0.0)`,
  ].join("\n");
}
