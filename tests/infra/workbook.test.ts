/**
 * The operations workbook (stacks/workbook.ts): its serialized content in the shape Microsoft's workbook
 * API takes, its queries reading only the contract's telemetry names, and its percentile panel checked
 * on hand-computed counts (the capture test runs every panel over the exporter's real rows).
 */
import { Metric, MetricAttribute } from "../../contracts";
import { evaluateLogAlert, logAlerts, type MetricRow } from "../../stacks/alertQueries";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";
import { workbookContent, workbookPanels } from "../../stacks/workbook";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

interface Item { type: number; name: string; content: { json?: string; version?: string; query?: string; queryType?: number; resourceType?: string; visualization?: string } }

test("content: Notebook/1.0, a text header, then one KqlItem/1.0 logs query per panel on the Application Insights component", () => {
  const content = JSON.parse(workbookContent("prod")) as { version: string; items: Item[] };
  // Values as Microsoft's workbook samples give them: "version": "Notebook/1.0"; text items type 1 with
  // content.json; query items type 3 with content.version "KqlItem/1.0", queryType 0 and resourceType
  // "microsoft.insights/components".
  expect(content.version).toBe("Notebook/1.0");
  expect(content.items[0]).toMatchObject({ type: 1, content: { json: expect.stringContaining("prod") } });
  const queries = content.items.slice(1);
  expect(queries).toHaveLength(workbookPanels().length);
  for (const item of queries) {
    expect(item).toMatchObject({ type: 3, content: { version: "KqlItem/1.0", queryType: 0, resourceType: "microsoft.insights/components" } });
    expect(["timechart", "barchart", "table"]).toContain(item.content.visualization);
  }
  expect(new Set(content.items.map((i) => i.name)).size).toBe(content.items.length);
});

test("every panel reads only the contract's metric names and attribute keys", () => {
  const names = new Set<string>(Object.values(Metric));
  const keys = new Set<string>(Object.values(MetricAttribute));
  for (const panel of workbookPanels()) {
    const read = [...panel.query.matchAll(/name == "([^"]+)"/g)].map((m) => m[1]);
    expect([panel.title, read.length > 0]).toEqual([panel.title, true]);
    for (const name of read) expect([panel.title, name, names.has(name)]).toEqual([panel.title, name, true]);
    for (const [, key] of panel.query.matchAll(/customDimensions\.(\w+)/g)) expect([panel.title, key, keys.has(key)]).toEqual([panel.title, key, true]);
  }
});

test("latency p50 / p95: the smallest bucket bound holding 50% / 95% of the turns, and it agrees with the p95 alert", () => {
  const panel = workbookPanels().find((p) => p.title.startsWith("First audio"))!;
  const t0 = Date.UTC(2026, 11, 3, 10, 0);
  const turn = (le: string, n: number, minute = 0): MetricRow => ({
    timestamp: t0 + minute * 60_000 + 30_000, name: Metric.latencyTurns, value: n, valueSum: n, valueCount: 1,
    customDimensions: { [MetricAttribute.latencyBucket]: le, [MetricAttribute.region]: "australiaeast" }, cloud_RoleInstance: "replica-0",
  });
  // 10 at <=200 ms, 8 at <=300 ms, 2 slower than 5 s: 50% is reached at 200 (10 of 20), 95% only at "inf" (20 of 20).
  const slow = [turn("200", 10), turn("300", 8, 1), turn("inf", 2, 2)];
  expect(panel.evaluate(slow)).toEqual([{ timestamp: t0, p50Ms: 200, p95Ms: Infinity }]);
  // 19 at <=200 and 1 at <=300: 19 of 20 is exactly 95%.
  expect(panel.evaluate([turn("200", 19), turn("300", 1)])).toEqual([{ timestamp: t0, p50Ms: 200, p95Ms: 200 }]);
  // The prod p95 alert (300 ms) fires on the first series (10% slower than 300), not on the second (0%).
  const config = loadStackConfigFile("prod", root);
  const alert = logAlerts(config, sizeStack(config)).find((a) => a.name === "latency-p95")!;
  const at = t0 + alert.windowMinutes * 60_000;
  expect(evaluateLogAlert(alert, { customMetrics: slow, systemLogs: [] }, at).fires).toBe(true);
  expect(evaluateLogAlert(alert, { customMetrics: [turn("200", 19), turn("300", 1)], systemLogs: [] }, at).fires).toBe(false);
});

test("resumes by outcome: summed per bin and outcome, only voice.session.resumes", () => {
  const panel = workbookPanels().find((p) => p.title.startsWith("Resumes by outcome"))!;
  const t0 = Date.UTC(2026, 11, 3, 10, 0);
  const row = (name: string, outcome: string, n: number, minute: number): MetricRow => ({
    timestamp: t0 + minute * 60_000, name, value: n, valueSum: n, valueCount: 1,
    customDimensions: { [MetricAttribute.outcome]: outcome }, cloud_RoleInstance: "replica-0",
  });
  const rows = [row(Metric.sessionResumes, "resumed", 3, 0), row(Metric.sessionResumes, "resumed", 2, 4), row(Metric.sessionResumes, "not_resumable", 1, 1), row(Metric.upstreamFailovers, "resumed", 9, 0)];
  expect(panel.evaluate(rows)).toEqual(expect.arrayContaining([
    { timestamp: t0, outcome: "resumed", resumes: 5 },
    { timestamp: t0, outcome: "not_resumable", resumes: 1 },
  ]));
  expect(panel.evaluate(rows)).toHaveLength(2);
});
