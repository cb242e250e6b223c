/** `npm run cost` as a user runs it: flags, the stack's volume and sizing, JSON, CSV and the chart. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);
const cents = (x: number) => Math.round(x * 100) / 100;

describe("npm run cost", () => {
  const cost = (...args: string[]) => run("npx", ["tsx", "scripts/cost.ts", ...args], { cwd: root });
  test("JSON shape with the seed catalog", async () => {
    const { stdout } = await cost("--catalog", "seed", "--interviews-per-day", "100", "--minutes", "30", "--format", "json");
    const json = JSON.parse(stdout);
    expect(json.perInterview).toMatchObject({ audioInput: 0.018, audioOutput: 0.0288, text: 0.125, total: 0.1718 });
    expect(cents(json.daily.api)).toBe(17.18);
    expect(Object.keys(json.monthly)).toEqual(expect.arrayContaining(["api", "infrastructure", "total", "perInterview"]));
    expect(json.ptu.breakEvenInterviewsPerDay).toBeGreaterThan(0);
    expect(json.notes.length).toBeGreaterThan(5);
  }, 30_000);
  test("--stack prod: the stack's volume and sizing; the same budget the plan derives", async () => {
    const { stdout } = await cost("--stack", "prod", "--format", "json");
    const json = JSON.parse(stdout);
    expect(json.input).toMatchObject({ interviewsPerDay: 1000, minutesPerInterview: 30 });
    expect(json.input.sizing).toMatchObject({ minReplicas: 2, maxReplicas: 50, cpu: 1, memoryGiB: 2, redisSku: "Standard_C1" });
    const sizing = sizeStack(loadStackConfigFile("prod", root));
    expect(sizing.budget.derivation!.monthlyTotal).toBeCloseTo(json.monthly.total, 6);
  }, 30_000);
  test("CSV for finance, and an SVG chart with both series and the break-even", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chart-"));
    const { stdout } = await cost("--catalog", "seed", "--format", "csv", "--chart", join(dir, "c.svg"));
    const lines = stdout.trim().split("\n");
    expect(lines[0].split(",")).toContain("monthly_total");
    expect(lines).toHaveLength(5); // header + the seed's four volumes
    const svg = readFileSync(join(dir, "c.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("pay-as-you-go (API + infrastructure)");
    expect(svg).toContain("PTU (1) + infrastructure");
    expect(svg).toMatch(/PTU break-even ≈ \d+ interviews\/day/);
  }, 60_000);
  test("bad arguments exit 2 with a message", async () => {
    const failed = await cost("--minutes", "-3").then(() => null, (e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("--minutes needs a positive number");
  }, 30_000);
});
