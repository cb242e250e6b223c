/**
 * The Azure-defined values the alerts and the workbook use, typed here as their sources give them
 * (sources and dates beside each value in stacks/azureLiterals.ts), and the rules built from them.
 */
import { logAlerts, restartAlert } from "../../stacks/alertQueries";
import { AlertValue, frontDoor5xxConditions, PlatformMetric } from "../../stacks/alerts";
import { CONTAINER_APPS_SYSTEM_LOG, MONITOR_METRICS, WORKBOOK } from "../../stacks/azureLiterals";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";
import { join } from "node:path";

test("platform metrics: names and aggregations as Azure Monitor's supported-metrics tables give them", () => {
  // Microsoft.Cdn/profiles table: `Percentage5XX` Percent Average; `RequestCount` Count Total.
  expect(MONITOR_METRICS.frontDoor5xx).toEqual({ metricName: "Percentage5XX", aggregation: "Average" });
  expect(MONITOR_METRICS.frontDoorRequests).toEqual({ metricName: "RequestCount", aggregation: "Total" });
  expect(MONITOR_METRICS.containerAppReplicas.metricName).toBe("Replicas");
  expect(MONITOR_METRICS.redisCacheServerLoad.metricName).toBe("serverLoad");
  expect(MONITOR_METRICS.managedRedisCpu.metricName).toBe("percentProcessorTime");
  expect(Object.values(PlatformMetric)).not.toContain("RestartCount");
  const gate = sizeStack(loadStackConfigFile("prod", join(__dirname, "..", ".."))).alertGates.frontDoor5xx;
  expect(frontDoor5xxConditions(gate).map((c) => [c.metricName, c.timeAggregation, c.operator])).toEqual([
    ["Percentage5XX", "Average", "GreaterThan"],
    ["RequestCount", "Total", "GreaterThanOrEqual"],
  ]);
});

test("alert API values as the metricAlerts 2018-03-01 and scheduledQueryRules REST definitions give them", () => {
  expect(AlertValue).toEqual({
    greaterThan: "GreaterThan",
    greaterThanOrEqual: "GreaterThanOrEqual",
    maximum: "Maximum",
    average: "Average",
    total: "Total",
    logAlert: "LogAlert",
    staticThreshold: "StaticThresholdCriterion",
    singleResourceCriteria: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
  });
});

test("system log events: the table, reason and message Microsoft's users query", () => {
  expect(CONTAINER_APPS_SYSTEM_LOG.table).toBe("ContainerAppSystemLogs_CL");
  expect(CONTAINER_APPS_SYSTEM_LOG.terminatedReason).toBe("ContainerTerminated");
  // The message quoted in microsoft/azure-container-apps issue 1085.
  expect(new RegExp(CONTAINER_APPS_SYSTEM_LOG.exitCodePattern).exec("Container 'ca-clntevnt-goal-attr-prod-v2' was terminated with exit code '137'")?.[1]).toBe("137");
  const query = restartAlert("ca-voice-platform-prod").query;
  expect(query).toContain("ContainerAppSystemLogs_CL");
  expect(query).toContain('Reason_s == "ContainerTerminated"');
  expect(query).toContain(`extract(@"exit code '(\\d+)'", 1, Log_s)`);
  // A stack without a container app has no restart rule.
  const small = loadStackConfigFile("small", join(__dirname, "..", ".."));
  expect(logAlerts(small, sizeStack(small)).map((a) => a.name)).not.toContain("container-restarts");
});

test("workbook: the values Microsoft's workbook API and samples give", () => {
  expect(WORKBOOK).toMatchObject({
    kind: "shared", category: "workbook", notebookVersion: "Notebook/1.0", kqlItemVersion: "KqlItem/1.0",
    textItemType: 1, queryItemType: 3, logsQueryType: 0, appInsightsResourceType: "microsoft.insights/components",
  });
});
