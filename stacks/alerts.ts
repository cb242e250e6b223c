import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { StackConfig } from "./config";
import { logAlerts, restartAlert } from "./alertQueries";
import { MONITOR_METRICS } from "./azureLiterals";
import type { FrontDoor5xxGate, StackSizing } from "./sizing";

export interface AlertsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  actionGroupName: string;
  config: StackConfig;
  sizing: StackSizing;
  appInsightsId: pulumi.Input<string>;
  /** The Log Analytics workspace: the Container Apps environment's system logs (the restart alert) land there. */
  workspaceId: pulumi.Input<string>;
  /** Container Apps hosting only: replicas are a Container Apps metric, restarts a Container Apps system log event. */
  containerApp?: { id: pulumi.Input<string>; name: string };
  redisId: pulumi.Input<string>;
  redisKind: "cache" | "managed";
  frontDoorProfileId?: pulumi.Input<string>;
  /**
   * A stack with several regions: the other regions' apps and Redis (the same per-app alerts, their rule
   * names suffixed with "-<region>"), and any further Front Door profiles ("-2", "-3", ...).
   */
  moreRegions?: Array<{ suffix: string; containerApp: { id: pulumi.Input<string>; name: string }; redisId: pulumi.Input<string> }>;
  moreFrontDoorProfiles?: Array<{ suffix: string; id: pulumi.Input<string> }>;
  /** PagerDuty-style webhook (a stack secret), optional. */
  webhookUrl?: pulumi.Input<string>;
}

/**
 * The ARM API's literal values for the alert rules. The SDK's enums are not a safe way to produce them:
 * in azure-native 3.28 `monitor.ConditionOperator.GreaterThan` is "gt" (a metric-filter enum that took
 * the name), which Microsoft.Insights/scheduledQueryRules rejects. Values from the REST API definitions
 * (Azure/bicep-types-az, microsoft.insights scheduledQueryRules 2025-01-01-preview and metricAlerts
 * 2018-03-01, read 2026-11): operator Equals | GreaterThan | GreaterThanOrEqual | LessThan |
 * LessThanOrEqual; timeAggregation Average | Count | Maximum | Minimum | Total; kind LogAlert.
 */
export const AlertValue = {
  greaterThan: "GreaterThan",
  greaterThanOrEqual: "GreaterThanOrEqual",
  maximum: "Maximum",
  average: "Average",
  total: "Total",
  logAlert: "LogAlert",
  staticThreshold: "StaticThresholdCriterion",
  singleResourceCriteria: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
} as const;

/**
 * Platform metric names, with their sources in azureLiterals.ts (MONITOR_METRICS): Container Apps
 * `Replicas`; Azure Cache for Redis `serverLoad`; Managed Redis `percentProcessorTime` (its docs advise
 * CPU over Server Load, which can read above 100 on that tier); Front Door `Percentage5XX` and
 * `RequestCount`. No `RestartCount`: it is cumulative per replica (see restartAlert in alertQueries.ts).
 */
export const PlatformMetric = {
  replicas: MONITOR_METRICS.containerAppReplicas.metricName,
  redisCacheLoad: MONITOR_METRICS.redisCacheServerLoad.metricName,
  managedRedisCpu: MONITOR_METRICS.managedRedisCpu.metricName,
  frontDoor5xx: MONITOR_METRICS.frontDoor5xx.metricName,
  frontDoorRequests: MONITOR_METRICS.frontDoorRequests.metricName,
} as const;

/** The metric alerts' names (the log alerts' are in alertQueries.ts). */
export const MetricAlertName = { replicasAtMax: "replicas-at-max", redisLoad: "redis-load", frontDoor5xx: "frontdoor-5xx" } as const;

/** Where each alert's runbook lives: a section per alert, titled with the alert's name. */
export const RUNBOOK = "docs/operations.md";
export const runbookLink = (alertName: string) => `${RUNBOOK}#${alertName}`;
const withRunbook = (description: string, alertName: string) => `${description}. Runbook: ${runbookLink(alertName)}`;

/** A metric alert condition (metricAlerts 2018-03-01 MetricCriteria). */
export interface MetricCondition {
  metricName: string;
  operator: string;
  threshold: number;
  timeAggregation: string;
}

/**
 * Front Door's 5xx alert: a share of 5xx above the gate's percent AND at least the gate's requests in
 * the window (sizing.frontDoor5xxGate), so one 503 among a few upgrades does not page.
 */
export function frontDoor5xxConditions(gate: FrontDoor5xxGate): MetricCondition[] {
  return [
    { metricName: PlatformMetric.frontDoor5xx, operator: AlertValue.greaterThan, threshold: gate.percent, timeAggregation: AlertValue.average },
    { metricName: PlatformMetric.frontDoorRequests, operator: AlertValue.greaterThanOrEqual, threshold: gate.minRequests, timeAggregation: AlertValue.total },
  ];
}

/**
 * The action group (on-call e-mails, optional webhook), the log alerts on the service's own metrics and
 * on the environment's system logs (stacks/alertQueries.ts: capacity, latency, errors, refusals, spend,
 * restarts), and platform metric alerts: replicas at max, Redis load, Front Door 5xx. Every description
 * ends with its runbook section (docs/operations.md).
 *
 * No alert on Front Door's OriginHealthPercentage: the single origin runs without health probes (see
 * FrontDoorRoute), so that metric has no data; and with probes, Front Door documents that a lone origin
 * "gets few health probes. This might lead to a dip in origin health metrics but your traffic doesn't
 * get impacted" (learn.microsoft.com/azure/frontdoor/health-probes, 2025-01-29): a Sev1 page that flaps
 * on nothing. What users see is measured instead: Front Door's 5xx share (an unreachable origin shows as
 * 502/504 there) and the platform's refusals (the connect-failure log alert).
 */
export class Alerts extends pulumi.ComponentResource {
  readonly actionGroup: monitor.ActionGroup;
  readonly ruleNames: string[] = [];

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:Alerts", name, {}, opts);
    const { config } = args;
    this.actionGroup = new monitor.ActionGroup(`${name}-oncall`, {
      resourceGroupName: args.resourceGroupName,
      actionGroupName: args.actionGroupName,
      location: "global",
      groupShortName: "voiceoncall",
      enabled: true,
      emailReceivers: config.alerts.emails.map((email, i) => ({ name: `oncall-${i}`, emailAddress: email, useCommonAlertSchema: true })),
      webhookReceivers: args.webhookUrl ? [{ name: "pager", serviceUri: args.webhookUrl, useCommonAlertSchema: true }] : [],
    }, { parent: this });
    const actions = { actionGroups: [this.actionGroup.id] };

    const regionRestarts = (args.moreRegions ?? []).map((r) => ({ alert: restartAlert(r.containerApp.name), suffix: r.suffix }));
    const logRules = [...logAlerts(config, args.sizing, { containerAppName: args.containerApp?.name }).map((alert) => ({ alert, suffix: "" })), ...regionRestarts];
    for (const { alert, suffix } of logRules) {
      new monitor.ScheduledQueryRule(`${name}-${alert.name}${suffix}`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        ruleName: `${args.actionGroupName}-${alert.name}${suffix}`,
        description: withRunbook(alert.description, alert.name),
        kind: AlertValue.logAlert,
        enabled: true,
        severity: alert.severity,
        scopes: [alert.scope === "workspace" ? args.workspaceId : args.appInsightsId],
        evaluationFrequency: alert.evaluationFrequency,
        windowSize: alert.windowSize,
        criteria: {
          allOf: [{
            query: alert.query,
            metricMeasureColumn: alert.measure,
            timeAggregation: AlertValue.maximum,
            operator: AlertValue.greaterThan,
            threshold: alert.threshold,
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          }],
        },
        actions,
      }, { parent: this });
      this.ruleNames.push(`${alert.name}${suffix}`);
    }

    const metricAlert = (alertName: string, scope: pulumi.Input<string>, conditions: MetricCondition[], windowMinutes: number, description: string, severity: number, suffix = "") => {
      new monitor.MetricAlert(`${name}-${alertName}${suffix}`, {
        resourceGroupName: args.resourceGroupName,
        location: "global",
        ruleName: `${args.actionGroupName}-${alertName}${suffix}`,
        description: withRunbook(description, alertName),
        severity,
        enabled: true,
        scopes: [scope],
        evaluationFrequency: windowMinutes <= 15 ? "PT1M" : "PT5M",
        windowSize: windowMinutes === 60 ? "PT1H" : `PT${windowMinutes}M`,
        criteria: {
          odataType: AlertValue.singleResourceCriteria,
          // "allOf": every condition must hold.
          allOf: conditions.map((c) => ({ criterionType: AlertValue.staticThreshold, name: c.metricName, ...c })),
        },
        actions: [{ actionGroupId: this.actionGroup.id }],
      }, { parent: this });
      this.ruleNames.push(`${alertName}${suffix}`);
    };
    const regions = [
      ...(args.containerApp ? [{ suffix: "", containerApp: args.containerApp, redisId: args.redisId }] : []),
      ...(args.moreRegions ?? []),
    ];
    for (const region of regions) {
      metricAlert(MetricAlertName.replicasAtMax, region.containerApp.id, [{ metricName: PlatformMetric.replicas, operator: AlertValue.greaterThanOrEqual, threshold: config.replicas.max, timeAggregation: AlertValue.maximum }], 5,
        `Replicas at the stack's maximum (${config.replicas.max}): raise replicas.max or sessionsPerReplica`, 1, region.suffix);
    }
    const redisMetric = args.redisKind === "managed" ? PlatformMetric.managedRedisCpu : PlatformMetric.redisCacheLoad;
    for (const redis of [{ suffix: "", redisId: args.redisId }, ...(args.moreRegions ?? [])]) {
      metricAlert(MetricAlertName.redisLoad, redis.redisId, [{ metricName: redisMetric, operator: AlertValue.greaterThan, threshold: config.alerts.redisServerLoadPercent, timeAggregation: AlertValue.maximum }], 5,
        `Redis load above ${config.alerts.redisServerLoadPercent}%`, 2, redis.suffix);
    }
    const profiles = [...(args.frontDoorProfileId ? [{ suffix: "", id: args.frontDoorProfileId }] : []), ...(args.moreFrontDoorProfiles ?? [])];
    for (const profile of profiles) {
      const gate = args.sizing.alertGates.frontDoor5xx;
      metricAlert(MetricAlertName.frontDoor5xx, profile.id, frontDoor5xxConditions(gate), gate.windowMinutes,
        `More than ${gate.percent}% of at least ${gate.minRequests} requests through Front Door in ${gate.windowMinutes} min answered 5xx (origin unreachable, or the platform refusing)`, 1, profile.suffix);
    }
    this.registerOutputs({ actionGroupId: this.actionGroup.id });
  }
}

/** One metric's values, one a minute (timestamp in ms), as Azure Monitor stores a platform metric at PT1M. */
export type MetricSeries = Record<string, Array<{ timestamp: number; value: number }>>;

/**
 * Runs a metric alert's conditions as Azure would at time `at`: each condition aggregates its metric's
 * one-minute values in the window (Total: their sum; Average: their mean, over the minutes that have a
 * value; Maximum: the largest) and compares; the rule fires when all hold ("allOf"). No value, no
 * alert. A real subscription must still confirm how Front Door's Percentage5XX averages over a window
 * (this takes the mean of its one-minute percentages; a request-weighted share can differ when minutes
 * carry unequal traffic).
 */
export function evaluateMetricAlert(conditions: MetricCondition[], series: MetricSeries, windowMinutes: number, at: number): { fires: boolean; values: Record<string, number | undefined> } {
  const from = at - windowMinutes * 60_000;
  const values: Record<string, number | undefined> = {};
  let fires = true;
  for (const c of conditions) {
    const points = (series[c.metricName] ?? []).filter((p) => p.timestamp > from && p.timestamp <= at).map((p) => p.value);
    const value = points.length === 0 ? undefined
      : c.timeAggregation === AlertValue.total ? points.reduce((a, b) => a + b, 0)
        : c.timeAggregation === AlertValue.average ? points.reduce((a, b) => a + b, 0) / points.length
          : c.timeAggregation === AlertValue.maximum ? Math.max(...points)
            : (() => { throw new Error(`no evaluator for timeAggregation ${c.timeAggregation}`); })();
    values[c.metricName] = value;
    const holds = value !== undefined && (c.operator === AlertValue.greaterThan ? value > c.threshold
      : c.operator === AlertValue.greaterThanOrEqual ? value >= c.threshold
        : (() => { throw new Error(`no evaluator for operator ${c.operator}`); })());
    fires = fires && holds;
  }
  return { fires, values };
}
