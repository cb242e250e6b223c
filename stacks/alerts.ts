import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { StackConfig } from "./config";
import { logAlerts } from "./alertQueries";
import type { StackSizing } from "./sizing";

export interface AlertsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  actionGroupName: string;
  config: StackConfig;
  sizing: StackSizing;
  appInsightsId: pulumi.Input<string>;
  /** Container Apps hosting only: replicas and restarts are Container Apps metrics. */
  containerAppId?: pulumi.Input<string>;
  redisId: pulumi.Input<string>;
  redisKind: "cache" | "managed";
  frontDoorProfileId?: pulumi.Input<string>;
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
 * Platform metric names (Azure Monitor "Supported metrics" pages, learn.microsoft.com, read 2026-11):
 * Microsoft.App/containerApps `Replicas`, `RestartCount`; Microsoft.Cache/redis `serverLoad`;
 * Microsoft.Cache/redisEnterprise `percentProcessorTime` (its docs advise CPU over Server Load, which
 * can read above 100 on that tier); Microsoft.Cdn/profiles `Percentage5XX`.
 */
export const PlatformMetric = {
  replicas: "Replicas",
  restarts: "RestartCount",
  redisCacheLoad: "serverLoad",
  managedRedisCpu: "percentProcessorTime",
  frontDoor5xx: "Percentage5XX",
} as const;

/**
 * The action group (on-call e-mails, optional webhook), the log alerts on the service's own metrics
 * (stacks/alertQueries.ts), and platform alerts: replicas at max, container restarts, Redis load,
 * Front Door 5xx.
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

    for (const alert of logAlerts(config, args.sizing)) {
      new monitor.ScheduledQueryRule(`${name}-${alert.name}`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        ruleName: `${args.actionGroupName}-${alert.name}`,
        description: alert.description,
        kind: AlertValue.logAlert,
        enabled: true,
        severity: alert.severity,
        scopes: [args.appInsightsId],
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
      this.ruleNames.push(alert.name);
    }

    const metricAlert = (alertName: string, scope: pulumi.Input<string>, metricName: string, operator: string, threshold: number, aggregation: string, description: string, severity: number) => {
      new monitor.MetricAlert(`${name}-${alertName}`, {
        resourceGroupName: args.resourceGroupName,
        location: "global",
        ruleName: `${args.actionGroupName}-${alertName}`,
        description,
        severity,
        enabled: true,
        scopes: [scope],
        evaluationFrequency: "PT1M",
        windowSize: "PT5M",
        criteria: {
          odataType: AlertValue.singleResourceCriteria,
          allOf: [{ criterionType: AlertValue.staticThreshold, name: metricName, metricName, operator, threshold, timeAggregation: aggregation }],
        },
        actions: [{ actionGroupId: this.actionGroup.id }],
      }, { parent: this });
      this.ruleNames.push(alertName);
    };
    if (args.containerAppId) {
      metricAlert("replicas-at-max", args.containerAppId, PlatformMetric.replicas, AlertValue.greaterThanOrEqual, config.replicas.max, AlertValue.maximum,
        `Replicas at the stack's maximum (${config.replicas.max}): raise replicas.max or sessionsPerReplica`, 1);
      metricAlert("container-restarts", args.containerAppId, PlatformMetric.restarts, AlertValue.greaterThan, 0, AlertValue.total,
        "Voice proxy containers restarted (crash or failed probe)", 2);
    }
    metricAlert("redis-load", args.redisId, args.redisKind === "managed" ? PlatformMetric.managedRedisCpu : PlatformMetric.redisCacheLoad,
      AlertValue.greaterThan, config.alerts.redisServerLoadPercent, AlertValue.maximum, `Redis load above ${config.alerts.redisServerLoadPercent}%`, 2);
    if (args.frontDoorProfileId) {
      metricAlert("frontdoor-5xx", args.frontDoorProfileId, PlatformMetric.frontDoor5xx, AlertValue.greaterThan, config.alerts.connectFailurePercent, AlertValue.average,
        `More than ${config.alerts.connectFailurePercent}% of requests through Front Door answered 5xx (origin unreachable, or the platform refusing)`, 1);
    }
    this.registerOutputs({ actionGroupId: this.actionGroup.id });
  }
}
