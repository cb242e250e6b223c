/** `npm run cost` as a user runs it: flags, the stack's catalogs, lengths, ranges and sizing, JSON, CSV and the chart. */
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
  const cost = (...args: string[]) => run("npx", ["tsx", "scripts/cost.ts", ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  test("JSON shape with the seed catalog: its own figures, and no PTU to buy", async () => {
    const { stdout } = await cost("--catalog", "seed", "--interviews-per-day", "100", "--minutes", "30", "--format", "json");
    const json = JSON.parse(stdout);
    expect(json.perInterview).toMatchObject({ audioInput: 0.018, audioOutput: 0.0288, text: 0.125, total: 0.1718 });
    expect(cents(json.daily.api)).toBe(17.18);
    expect(Object.keys(json.monthly)).toEqual(expect.arrayContaining(["api", "infrastructure", "total", "perInterview"]));
    expect(json.ptu).toMatchObject({ available: false, reason: expect.stringMatching(/^not available for this model/) });
    expect(json.notes.length).toBeGreaterThan(5);
  }, 30_000);

  test("--stack prod: Voice Live priced by its tier with ranges and sources; the same budget the plan derives", async () => {
    const { stdout } = await cost("--stack", "prod", "--format", "json");
    const json = JSON.parse(stdout);
    expect(json.catalogs).toEqual([{ id: "voice-live-gpt-realtime", name: "Azure Voice Live, gpt-realtime (Pro tier)", share: 1, upstreams: ["au"] }]);
    expect(json.input).toMatchObject({ interviewsPerDay: 1000, durations: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }] });
    expect(json.input.sizing).toMatchObject({ minReplicas: 2, maxReplicas: 13, sessionsPerReplica: 233, cpu: 1, memoryGiB: 2, redisSku: "Balanced_B1" });
    expect(json.range.low.monthly).toBeLessThan(json.range.expected.monthly);
    expect(json.range.expected.monthly).toBeLessThan(json.range.high.monthly);
    expect(json.range.sensitivity.map((s: { parameter: string }) => s.parameter).sort()).toEqual(["cacheHitRate", "durations", "speakingShares", "truncation", "turnsPerMinute"]);
    const sizing = sizeStack(loadStackConfigFile("prod", root));
    expect(sizing.budget.derivation!.monthlyTotal).toBeCloseTo(json.monthly.total, 6);
    // The cost command prices the model and the base infrastructure; the plan's budget adds the private network's share.
    expect(json.budget.at(-1)).toBe(`monthly total $${json.monthly.total.toFixed(2)} + 20% headroom = $${sizing.budget.derivation!.amount}`);
    expect(sizing.budget.amount).toBe(sizing.budget.derivation!.amount + sizing.budget.network!.amount);
    const figures = json.sources[0].figures as Array<{ path: string; source: string; asOf: string; confidence: string }>;
    expect(figures.find((f) => f.path === "prices.audioInput")!.source).toContain("Voice Live API Pro - LLM Audio Input Tokens");
    expect(figures.every((f) => f.source && f.asOf && f.confidence)).toBe(true);
    expect(json.ptu.available).toBe(false);
    expect(json.capacity).toMatchObject({ percentile: 99, upstream: { tokensPerMinute: { value: 100000 }, newConnectionsPerMinute: { value: 30 } } });
  }, 30_000);

  test("the table for finance: range, what moves it, truncation, capacity both ways, PTU, budget, sources", async () => {
    const { stdout } = await cost("--stack", "prod");
    for (const heading of ["Range at 1,000 interviews/day", "Which parameter moves the total most", "Past the input limit (gpt-realtime: 28,672 tokens)", "Infrastructure (expected", "Capacity at 1,000/day", "Budget (what `npm run plan` derives)", "Sources (every figure"]) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toMatch(/\| per month \(API \+ infrastructure\) \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \|/);
    expect(stdout).toMatch(/tokens a minute at p99: [\d,]+ spoken .*; [\d,]+ counting re-sent input/);
    expect(stdout).toContain("PTU: not available for this model: Voice Live's natively supported models are fully managed");
    expect(stdout).toContain("Front Door data transfer (");
    expect(stdout).toContain("ASSUMPTION");
    expect(stdout).not.toContain("shared/notes");
  }, 30_000);

  test("CSV for finance, and an SVG chart with the expected line, the band and no PTU line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chart-"));
    const { stdout } = await cost("--catalog", "azure-gpt-realtime-2025-08", "--format", "csv", "--chart", join(dir, "c.svg"));
    const lines = stdout.trim().split("\n");
    expect(lines[0].split(",")).toEqual(expect.arrayContaining(["monthly_low", "monthly_total", "monthly_high", "per_interview_transcription"]));
    expect(lines).toHaveLength(5); // header + the seed's four volumes
    const svg = readFileSync(join(dir, "c.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("expected: pay-as-you-go API + infrastructure");
    expect(svg).toContain("range: every parameter at its cheaper / dearer end");
    expect(svg).toContain("PTU: not available for this model");
    expect(svg).not.toContain("PTU break-even");
    expect(svg).not.toContain("PTU + infrastructure");
  }, 60_000);

  test("bad arguments exit 2 with a message", async () => {
    const failed = await cost("--minutes", "-3").then(() => null, (e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("--minutes needs a positive number");
    const unknown = await cost("--catalog", "nope").then(() => null, (e) => e);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown catalog "nope"; available: .*voice-live-gpt-realtime/);
  }, 30_000);
});
