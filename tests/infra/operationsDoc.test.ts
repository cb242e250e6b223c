/**
 * docs/operations.md: a runbook section for every alert any stack declares, every description's link
 * lands on one, and the per-stack table says what the program declares.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { logAlerts } from "../../stacks/alertQueries";
import { MetricAlertName, runbookLink, RUNBOOK } from "../../stacks/alerts";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";

const root = join(__dirname, "..", "..");
const doc = readFileSync(join(root, RUNBOOK), "utf8");
const STACKS = ["prod", "staging", "small"] as const;
const loaded = Object.fromEntries(STACKS.map((stack) => {
  const config = loadStackConfigFile(stack, root);
  const sizing = sizeStack(config);
  return [stack, { config, sizing, alerts: logAlerts(config, sizing, { containerAppName: config.hosting === "containerApps" ? "ca" : undefined }) }];
}));

/** GitHub's heading anchors: lower case, spaces to hyphens, punctuation other than hyphens dropped. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");
const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));

test("every alert has a runbook section, and its description's link lands on it", () => {
  const names = new Set([...Object.values(MetricAlertName), ...STACKS.flatMap((s) => loaded[s].alerts.map((a) => a.name))]);
  expect(names.size).toBe(9);
  for (const name of names) {
    const link = runbookLink(name);
    expect(link.startsWith(`${RUNBOOK}#`)).toBe(true);
    expect([name, anchors.has(link.split("#")[1])]).toEqual([name, true]);
    // Each section says what it means, the first three checks, how to mitigate.
    const section = doc.split(/^## /m).find((s) => s.startsWith(`${name}\n`));
    expect([name, /\*\*Means\.\*\*/.test(section ?? ""), /\*\*First three checks\.\*\*\n1\. [\s\S]*\n2\. [\s\S]*\n3\. /.test(section ?? ""), /\*\*Mitigate\.\*\*/.test(section ?? "")]).toEqual([name, true, true, true]);
  }
});

test("the per-stack table says what the program declares", () => {
  const rows = Object.fromEntries([...doc.matchAll(/^\| ([a-z0-9-]+) \| (\d) \| (.+) \| (.+) \| (.+) \|$/gm)].map((m) => [m[1], { severity: Number(m[2]), cells: { prod: m[3], staging: m[4], small: m[5] } }]));
  for (const stack of STACKS) {
    const { config, sizing, alerts } = loaded[stack];
    const cell = (name: string) => rows[name].cells[stack];
    for (const alert of alerts) {
      expect([alert.name, rows[alert.name]?.severity]).toEqual([alert.name, alert.severity]);
      if (alert.name !== "daily-spend") expect([stack, alert.name, cell(alert.name)]).toEqual([stack, alert.name, expect.stringContaining(`${alert.windowMinutes} min`)]);
    }
    const threshold = (name: string) => alerts.find((a) => a.name === name)!.threshold;
    expect(cell("sessions-near-capacity")).toContain(`> ${threshold("sessions-near-capacity")}`);
    expect(cell("daily-spend")).toContain(`$${threshold("daily-spend")}`);
    expect(cell("redis-load")).toContain(`${config.alerts.redisServerLoadPercent}%`);
    const fd = sizing.alertGates.frontDoor5xx;
    expect(cell("frontdoor-5xx")).toMatch(new RegExp(`${fd.percent}%.* ${fd.minRequests}.* ${fd.windowMinutes} min`));
    if (config.hosting === "containerApps") expect(cell("replicas-at-max")).toContain(`${config.replicas.max}`);
    else expect(cell("replicas-at-max")).toContain("not on App Service");
  }
});
