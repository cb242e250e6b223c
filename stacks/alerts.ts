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
  containerAppId: pulumi.Input<string>;
  redisId: pulumi.Input<string>;
  frontDoorProfileId?: pulumi.Input<string>;
  /** PagerDuty-style webhook (a stack secret), optional. */
  webhookUrl?: pulumi.Input<string>;
}

/**
 * The action group (on-call e-mails, optional webhook), the seed's four alerts as log alerts on the
 * service's own metrics, and platform alerts: replicas at max, container restarts, Redis load, Front
 * Door origin health.
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
    const window = `PT${config.alerts.windowMinutes}M`;

    for (const alert of logAlerts(config, args.sizing)) {
      new monitor.ScheduledQueryRule(`${name}-${alert.name}`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        ruleName: `${args.actionGroupName}-${alert.name}`,
        description: alert.description,
        kind: monitor.Kind.LogAlert,
        enabled: true,
        severity: alert.severity,
        scopes: [args.appInsightsId],
        evaluationFrequency: "PT1M",
        windowSize: window,
        criteria: {
          allOf: [{
            query: alert.query,
            metricMeasureColumn: alert.measure,
            timeAggregation: monitor.TimeAggregation.Maximum,
            operator: monitor.ConditionOperator.GreaterThan,
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
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [{ criterionType: "StaticThresholdCriterion", name: metricName, metricName, operator, threshold, timeAggregation: aggregation }],
        },
        actions: [{ actionGroupId: this.actionGroup.id }],
      }, { parent: this });
      this.ruleNames.push(alertName);
    };
    metricAlert("replicas-at-max", args.containerAppId, "Replicas", monitor.Operator.GreaterThanOrEqual, config.replicas.max, monitor.AggregationTypeEnum.Maximum,
      `Replicas at the stack's maximum (${config.replicas.max}): raise replicas.max or sessionsPerReplica`, 1);
    metricAlert("container-restarts", args.containerAppId, "RestartCount", monitor.Operator.GreaterThan, 0, monitor.AggregationTypeEnum.Total,
      "Voice proxy containers restarted (crash or failed probe)", 2);
    metricAlert("redis-server-load", args.redisId, "serverLoad", monitor.Operator.GreaterThan, config.alerts.redisServerLoadPercent, monitor.AggregationTypeEnum.Maximum,
      `Redis server load above ${config.alerts.redisServerLoadPercent}%`, 2);
    if (args.frontDoorProfileId) {
      metricAlert("frontdoor-origin-health", args.frontDoorProfileId, "OriginHealthPercentage", monitor.Operator.LessThan, 100, monitor.AggregationTypeEnum.Average,
        "Front Door sees the voice proxy origin unhealthy", 1);
    }
    this.registerOutputs({ actionGroupId: this.actionGroup.id });
  }
}
