import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { ConnectStage, Metric, MetricAttribute } from "../contracts";
import type { MetricRow } from "./alertQueries";
import { RUNBOOK } from "./alerts";
import { WORKBOOK } from "./azureLiterals";
import { uuidV5 } from "./roles";

/**
 * The operations dashboard: an Azure Monitor workbook over Application Insights' customMetrics, the rows
 * the service's exporter sends under the names of contracts/telemetry.ts. Each panel's KQL and an
 * evaluator of what it computes are built side by side here (the tests run the evaluators over captured
 * rows, as for the alerts).
 *
 * Resource: Microsoft.Insights/workbooks (azure-native `applicationinsights.Workbook`, API 2023-06-01).
 * Its body as Microsoft's REST reference gives it ("Workbooks - Create Or Update", api-version
 * 2021-08-01, learn.microsoft.com/rest/api/application-insights/workbooks/create-or-update, read
 * 2026-12-03): `location`, `properties.category`, `properties.displayName` and `properties.serializedData`
 * ("a string containing valid JSON") required; `kind` whose only valid value is `shared`;
 * `properties.sourceId` the resource it belongs to; the resource name a UUID (azure-native's docs: "The
 * value must be an UUID"). The category `workbook` is the gallery Microsoft's template sample uses
 * ("Resource Manager template samples for workbooks in Azure Monitor", learn.microsoft.com, read
 * 2026-12-03: "Supported values include workbook, tsg, Azure Monitor, etc.").
 * The serialized content: `{"version":"Notebook/1.0","items":[...]}` with text items (`type` 1,
 * `content.json` markdown) and query items (`type` 3, `content.version` "KqlItem/1.0", `query`, `size`,
 * `queryType` 0 = logs, `resourceType` "microsoft.insights/components"), as in the sample of the REST
 * reference above and in workbooks the portal exports (public templates read with the search tool,
 * 2026-12-03). Microsoft's JSON schema for the content (Application-Insights-Workbooks schema/workbook.json)
 * was not found by the search tool: a portal import is what proves the content renders.
 */

export const WorkbookValue = {
  kind: WORKBOOK.kind,
  category: WORKBOOK.category,
  notebookVersion: WORKBOOK.notebookVersion,
  kqlItemVersion: WORKBOOK.kqlItemVersion,
  textItem: WORKBOOK.textItemType,
  queryItem: WORKBOOK.queryItemType,
  logsQuery: WORKBOOK.logsQueryType,
  appInsightsResourceType: WORKBOOK.appInsightsResourceType,
} as const;

/** A fixed random UUID: the namespace of workbook names (one workbook per stack, the same name on every run). */
export const WORKBOOK_NAMESPACE = "0b6f3e1c-7a52-4d89-b1e4-6c2f9d8a3e57";

const dim = (key: string) => `tostring(customDimensions.${key})`;
const MINUTE_MS = 60_000;

/** One table row of a panel's result. */
export type ResultRow = Record<string, string | number>;

export interface WorkbookPanel {
  title: string;
  query: string;
  visualization: "timechart" | "barchart" | "table";
  /** What the query computes over rows (already cut to the workbook's time range). */
  evaluate(rows: MetricRow[]): ResultRow[];
}

const slot = (timestamp: number, minutes: number) => Math.floor(timestamp / (minutes * MINUTE_MS)) * minutes * MINUTE_MS;
const named = (rows: MetricRow[], metric: string) => rows.filter((r) => r.name === metric);

/** Sums valueSum by the keys `keyOf` gives, as `summarize x = sum(valueSum) by ...`. */
function sumBy(rows: MetricRow[], keyOf: (r: MetricRow) => ResultRow, column: string): ResultRow[] {
  const groups = new Map<string, ResultRow>();
  for (const r of rows) {
    const key = keyOf(r);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { ...key, [column]: 0 };
    group[column] = (group[column] as number) + r.valueSum;
    groups.set(id, group);
  }
  return [...groups.values()];
}

/** Open sessions: each instance's largest gauge value a minute, summed over instances, the largest minute per bin. */
function openSessions(binMinutes: number): WorkbookPanel {
  return {
    title: "Open sessions (all replicas)",
    query: [
      "customMetrics",
      `| where name == "${Metric.sessionsActive}"`,
      "| summarize perInstance = max(value) by cloud_RoleInstance, minute = bin(timestamp, 1m)",
      "| summarize open = sum(perInstance) by minute",
      `| summarize sessions = max(open) by timestamp = bin(minute, ${binMinutes}m)`,
    ].join("\n"),
    visualization: "timechart",
    evaluate(rows) {
      const perInstance = new Map<string, number>();
      for (const r of named(rows, Metric.sessionsActive)) {
        const key = `${r.cloud_RoleInstance}|${slot(r.timestamp, 1)}`;
        perInstance.set(key, Math.max(perInstance.get(key) ?? -Infinity, r.value));
      }
      const perMinute = new Map<number, number>();
      for (const [key, value] of perInstance) {
        const minute = Number(key.split("|")[1]);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + value);
      }
      const perBin = new Map<number, number>();
      for (const [minute, open] of perMinute) perBin.set(slot(minute, binMinutes), Math.max(perBin.get(slot(minute, binMinutes)) ?? -Infinity, open));
      return [...perBin].map(([timestamp, sessions]) => ({ timestamp, sessions }));
    },
  };
}

function newSessions(binMinutes: number): WorkbookPanel {
  return {
    title: "New sessions (client upgrades)",
    query: [
      "customMetrics",
      `| where name == "${Metric.connectAttempts}"`,
      `| where ${dim(MetricAttribute.stage)} == "${ConnectStage.client}"`,
      `| summarize upgrades = sum(valueSum) by timestamp = bin(timestamp, ${binMinutes}m)`,
    ].join("\n"),
    visualization: "timechart",
    evaluate: (rows) => sumBy(named(rows, Metric.connectAttempts).filter((r) => r.customDimensions[MetricAttribute.stage] === ConnectStage.client), (r) => ({ timestamp: slot(r.timestamp, binMinutes) }), "upgrades"),
  };
}

/**
 * First-audio latency p50 and p95 from the per-bucket turn counter: per bin, the smallest bucket bound
 * whose cumulative share of turns reaches 50% / 95% (a turn in bucket `le_ms` took at most that long;
 * "inf" reads as +inf). Exact to the bucket: the histogram rows carry no buckets (see contracts).
 */
function latencyPercentiles(binMinutes: number): WorkbookPanel {
  const boundOf = (le: string | undefined) => (le === "inf" ? Infinity : Number(le));
  return {
    title: "First audio after the user's turn: p50 and p95 (ms, bucket bound)",
    query: [
      "let turnCounts = customMetrics",
      `| where name == "${Metric.latencyTurns}"`,
      `| summarize turns = sum(valueSum) by slot = bin(timestamp, ${binMinutes}m), le = ${dim(MetricAttribute.latencyBucket)};`,
      "turnCounts",
      '| extend bound = iff(le == "inf", real(+inf), todouble(le))',
      "| join kind=inner (turnCounts | summarize total = sum(turns) by slot) on slot",
      "| order by slot asc, bound asc",
      "| extend cumulative = row_cumsum(turns, slot != prev(slot))",
      "| summarize p50Ms = minif(bound, cumulative >= 0.5 * total), p95Ms = minif(bound, cumulative >= 0.95 * total) by timestamp = slot",
    ].join("\n"),
    visualization: "timechart",
    evaluate(rows) {
      const bins = new Map<number, Map<number, number>>();
      for (const r of named(rows, Metric.latencyTurns)) {
        const s = slot(r.timestamp, binMinutes);
        const bound = boundOf(r.customDimensions[MetricAttribute.latencyBucket]);
        const bin = bins.get(s) ?? new Map<number, number>();
        bin.set(bound, (bin.get(bound) ?? 0) + r.valueSum);
        bins.set(s, bin);
      }
      return [...bins].map(([timestamp, counts]) => {
        const ordered = [...counts].sort((a, b) => a[0] - b[0]);
        const total = ordered.reduce((n, [, c]) => n + c, 0);
        const at = (q: number) => {
          let cumulative = 0;
          for (const [bound, c] of ordered) {
            cumulative += c;
            if (cumulative >= q * total) return bound;
          }
          return Infinity;
        };
        return { timestamp, p50Ms: at(0.5), p95Ms: at(0.95) };
      });
    },
  };
}

function errorsByCode(): WorkbookPanel {
  return {
    title: "Sessions ended on an error, by code",
    query: ["customMetrics", `| where name == "${Metric.errors}"`, `| summarize errors = sum(valueSum) by code = ${dim(MetricAttribute.code)}`, "| order by errors desc"].join("\n"),
    visualization: "barchart",
    evaluate: (rows) => sumBy(named(rows, Metric.errors), (r) => ({ code: r.customDimensions[MetricAttribute.code] }), "errors"),
  };
}

function refusalsByReason(): WorkbookPanel {
  return {
    title: "Refused upgrades, by reason",
    query: [
      "customMetrics",
      `| where name == "${Metric.connectFailures}"`,
      `| where ${dim(MetricAttribute.stage)} == "${ConnectStage.client}"`,
      `| summarize refusals = sum(valueSum) by reason = ${dim(MetricAttribute.reason)}`,
      "| order by refusals desc",
    ].join("\n"),
    visualization: "barchart",
    evaluate: (rows) => sumBy(named(rows, Metric.connectFailures).filter((r) => r.customDimensions[MetricAttribute.stage] === ConnectStage.client), (r) => ({ reason: r.customDimensions[MetricAttribute.reason] }), "refusals"),
  };
}

function failovers(): WorkbookPanel {
  return {
    title: "Upstream failovers (from -> to)",
    query: [
      "customMetrics",
      `| where name == "${Metric.upstreamFailovers}"`,
      `| summarize failovers = sum(valueSum) by from = ${dim(MetricAttribute.from)}, to = ${dim(MetricAttribute.to)}`,
    ].join("\n"),
    visualization: "table",
    evaluate: (rows) => sumBy(named(rows, Metric.upstreamFailovers), (r) => ({ from: r.customDimensions[MetricAttribute.from], to: r.customDimensions[MetricAttribute.to] }), "failovers"),
  };
}

/** Resumes by outcome: a region loss, a Redis that lost its state or a rolling restart shows here. */
function resumes(binMinutes: number): WorkbookPanel {
  return {
    title: "Resumes by outcome (connections with a resume token)",
    query: [
      "customMetrics",
      `| where name == "${Metric.sessionResumes}"`,
      `| summarize resumes = sum(valueSum) by timestamp = bin(timestamp, ${binMinutes}m), outcome = ${dim(MetricAttribute.outcome)}`,
    ].join("\n"),
    visualization: "timechart",
    evaluate: (rows) => sumBy(named(rows, Metric.sessionResumes), (r) => ({ timestamp: slot(r.timestamp, binMinutes), outcome: r.customDimensions[MetricAttribute.outcome] }), "resumes"),
  };
}

/** Replicas: the instances reporting the open-sessions gauge (one row a minute each while it runs). */
function replicas(binMinutes: number): WorkbookPanel {
  return {
    title: "Replicas reporting",
    query: ["customMetrics", `| where name == "${Metric.sessionsActive}"`, `| summarize replicas = dcount(cloud_RoleInstance) by timestamp = bin(timestamp, ${binMinutes}m)`].join("\n"),
    visualization: "timechart",
    evaluate(rows) {
      const bins = new Map<number, Set<string>>();
      for (const r of named(rows, Metric.sessionsActive)) {
        const s = slot(r.timestamp, binMinutes);
        bins.set(s, (bins.get(s) ?? new Set<string>()).add(String(r.cloud_RoleInstance)));
      }
      return [...bins].map(([timestamp, set]) => ({ timestamp, replicas: set.size }));
    },
  };
}

function costPerDay(): WorkbookPanel {
  return {
    title: "Metered model cost per day (USD, each upstream's catalog)",
    query: [
      "customMetrics",
      `| where name == "${Metric.costUsd}"`,
      `| summarize usd = sum(valueSum) by timestamp = bin(timestamp, 1d), upstream = ${dim(MetricAttribute.upstream)}`,
    ].join("\n"),
    visualization: "barchart",
    evaluate: (rows) => sumBy(named(rows, Metric.costUsd), (r) => ({ timestamp: slot(r.timestamp, 24 * 60), upstream: r.customDimensions[MetricAttribute.upstream] }), "usd"),
  };
}

/** The dashboard's panels, in the order shown. */
export function workbookPanels(): WorkbookPanel[] {
  return [openSessions(5), newSessions(5), latencyPercentiles(15), errorsByCode(), refusalsByReason(), failovers(), resumes(5), replicas(5), costPerDay()];
}

/** The serialized workbook (`serializedData`). */
export function workbookContent(stack: string, panels: WorkbookPanel[] = workbookPanels()): string {
  const text = (markdown: string, name: string) => ({ type: WorkbookValue.textItem, content: { json: markdown }, name });
  const query = (p: WorkbookPanel, i: number) => ({
    type: WorkbookValue.queryItem,
    content: {
      version: WorkbookValue.kqlItemVersion,
      query: p.query,
      size: 0,
      title: p.title,
      timeContext: { durationMs: p.title.startsWith("Metered") ? 30 * 24 * 3_600_000 : 24 * 3_600_000 },
      queryType: WorkbookValue.logsQuery,
      resourceType: WorkbookValue.appInsightsResourceType,
      visualization: p.visualization,
    },
    name: `panel-${i}`,
  });
  return JSON.stringify({
    version: WorkbookValue.notebookVersion,
    items: [
      text(`## Voice platform (${stack})\nSessions, latency, errors, failovers, replicas and metered cost, from the service's own telemetry. Each alert's runbook: ${RUNBOOK} in the repository. Resumes are not counted by the service yet, so no panel shows them.`, "header"),
      ...panels.map(query),
    ],
  });
}

export interface OperationsWorkbookArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  appInsightsId: pulumi.Input<string>;
  project: string;
  stack: string;
}

export class OperationsWorkbook extends pulumi.ComponentResource {
  readonly workbook: applicationinsights.Workbook;

  constructor(name: string, args: OperationsWorkbookArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:OperationsWorkbook", name, {}, opts);
    this.workbook = new applicationinsights.Workbook(`${name}-workbook`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: uuidV5(`${args.project}/${args.stack}/operations`, WORKBOOK_NAMESPACE),
      kind: WorkbookValue.kind,
      category: WorkbookValue.category,
      displayName: `Voice platform operations (${args.stack})`,
      serializedData: workbookContent(args.stack),
      sourceId: args.appInsightsId,
    }, { parent: this });
    this.registerOutputs({ workbookId: this.workbook.id });
  }
}
