/** `npm run cost` as a user runs it: flags, the stack's catalogs, lengths, ranges and sizing, JSON, CSV and the chart. */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
    expect(json.catalogs).toEqual([{ id: "voice-live-gpt-realtime", name: "Azure Voice Live, gpt-realtime (Pro tier)", share: 1, upstreams: ["us"] }]);
    expect(json.input).toMatchObject({ interviewsPerDay: 1000, durations: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }] });
    expect(json.input.sizing).toMatchObject({ minReplicas: 2, maxReplicas: 13, sessionsPerReplica: 233, cpu: 1, memoryGiB: 2, redisSku: "Balanced_B1" });
    // Percentiles from the stated distributions, the stack's cache range among them; rotation every 9 minutes.
    const pc = json.percentiles;
    expect(pc.monthly.p10).toBeLessThan(pc.monthly.p50);
    expect(pc.monthly.p50).toBeLessThan(pc.monthly.p90);
    expect(pc.distributions.cacheHitRate).toMatchObject({ min: 0.6, mode: 0.95, max: 1 });
    expect(pc.p90Driver.byParameter.map((x: { parameter: string }) => x.parameter).sort()).toEqual(["cacheHitRate", "instructionsTokens", "interruptedShare", "modelSpeakingShare", "turnsPerMinute", "userSpeakingShare"]);
    expect(json.input.session.rotateMinutes).toBe(9);
    expect(json.perInterview.primedResponses).toBeCloseTo(0.7 * 3 + 0.3 * 4, 9); // rotations at 9, 18, 27 (and 36) minutes
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

  test("the table for finance: percentiles, what lifts p90, truncation, capacity both ways, PTU, budget, sources", async () => {
    const { stdout } = await cost("--stack", "prod");
    for (const heading of ["Percentiles at 1,000 interviews/day (Monte Carlo, 1,000 draws, seed 20261203)", "What lifts the monthly p90 most: ", "Past the input limit (gpt-realtime: 28,672 tokens)", "truncates at 28,224 tokens", "no cliff", "Infrastructure (expected", "Capacity at 1,000/day", "Budget (what `npm run plan` derives)", "Sources (every figure"]) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toMatch(/\| per month \(API \+ infrastructure\) \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \| +\$[\d,]+\.\d\d \|/);
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
    expect(lines[0].split(",")).toEqual(expect.arrayContaining(["monthly_p10", "monthly_p50", "monthly_p90", "monthly_total", "per_interview_transcription"]));
    expect(lines).toHaveLength(5); // header + the seed's four volumes
    const svg = readFileSync(join(dir, "c.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("expected (mean): pay-as-you-go API + infrastructure");
    expect(svg).toContain("p10 - p90 of the month's cost");
    expect(svg).toContain("PTU: not available for this model");
    expect(svg).not.toContain("PTU break-even");
    expect(svg).not.toContain("PTU + infrastructure");
  }, 60_000);

  test("--reconcile: the invoice (a FOCUS export) beside the meter and the model per day; a week drifting above 2% is flagged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reconcile-"));
    // The FOCUS columns as Microsoft documents them ("FOCUS cost and usage details file schema"), a few of the 105.
    const header = ["BilledCost", "BillingCurrency", "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart", "ResourceId", "ServiceName", "x_ResourceGroupName", "x_SkuMeterName"];
    const rows: string[][] = [];
    const metered: string[] = ["timestamp,session_id,usd"];
    // The priority-1 upstream's resource group, as the prod stack names it (its usage is billed there).
    const prod = loadStackConfigFile("prod", root);
    const upstreamGroup = prod.upstreamResourceGroups[prod.upstreams[0].name];
    for (let d = 1; d <= 14; d++) {
      const day = `2026-11-${String(d).padStart(2, "0")}`;
      const next = `2026-11-${String(d + 1).padStart(2, "0")}`;
      rows.push(["1000.00", "USD", "Usage", `${next}T00:00:00Z`, `${day}T00:00:00Z`, `/subscriptions/x/resourceGroups/${upstreamGroup}/providers/Microsoft.CognitiveServices/accounts/voice`, "Foundry Tools", upstreamGroup, "Voice Live API Pro - LLM Audio Input Tokens"]);
      rows.push(["20.00", "USD", "Usage", `${next}T00:00:00Z`, `${day}T00:00:00Z`, "/subscriptions/x/resourceGroups/RG-VOICE-PLATFORM-PROD/providers/Microsoft.App/containerApps/ca", "Azure Container Apps", "RG-VOICE-PLATFORM-PROD", "Standard vCPU Active Usage"]);
      rows.push(["5.00", "USD", "Usage", `${next}T00:00:00Z`, `${day}T00:00:00Z`, "/subscriptions/x/resourceGroups/other/providers/x", "Storage", "other", "\"LRS, \"\"hot\"\"\""]); // another group: left out
      rows.push(["-1000.00", "USD", "Credit", `${next}T00:00:00Z`, `${day}T00:00:00Z`, "", "", upstreamGroup, ""]); // not usage: left out
      // Week 1 meters 1% above the invoice, week 2 5% above (over two records a day).
      const usd = d <= 7 ? 1010 : 1050;
      metered.push(`${day}T10:00:00Z,s${d}a,${usd / 2}`, `${day}T15:30:00Z,s${d}b,${usd / 2}`);
    }
    writeFileSync(join(dir, "export.csv"), [header, ...rows].map((r) => r.join(",")).join("\r\n"));
    writeFileSync(join(dir, "metered.csv"), metered.join("\n"));
    const failed = await cost("--reconcile", join(dir, "export.csv"), "--metered", join(dir, "metered.csv"), "--stack", "prod").then(() => null, (e) => e);
    expect(failed.code).toBe(1); // a flagged week
    const out: string = failed.stdout;
    expect(out).toMatch(/\| 2026-11-01 \| +1000\.00 USD \| +20\.00 USD \| +1010\.00 USD \| +[\d.]+ USD \| +\+1\.0% \|/);
    expect(out).toMatch(/\| 2026-11-01 \.\. 2026-11-07 \| +7000\.00 USD \| +7070\.00 USD \| +[\d.]+ USD \| +\+1\.0% \| +ok +\|/);
    expect(out).toMatch(/\| 2026-11-08 \.\. 2026-11-14 \| +7000\.00 USD \| +7350\.00 USD \| +[\d.]+ USD \| +\+5\.0% \| FLAGGED: drift above 2% \|/);
    const missing = await cost("--reconcile", join(dir, "metered.csv"), "--metered", join(dir, "metered.csv"), "--stack", "prod").then(() => null, (e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing columns ChargePeriodStart, BilledCost, BillingCurrency, x_ResourceGroupName, ChargeCategory/);
  }, 240_000);

  test("--refresh-prices reads the Retail Prices API page by page (NextPageLink) and rewrites the catalogs with the date", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catalogs-"));
    cpSync(join(root, "cost", "catalogs"), dir, { recursive: true });
    const seen: string[] = [];
    // The documented answer: { BillingCurrency, CustomerEntityId, CustomerEntityType, Items, NextPageLink, Count }, items as the API spells them.
    const item = (meterName: string, retailPrice: number) => ({ currencyCode: "USD", tierMinimumUnits: 0, retailPrice, unitPrice: retailPrice, armRegionName: "eastus", location: "US East", effectiveStartDate: "2026-07-01T00:00:00Z", meterId: "00000000-0000-0000-0000-000000000000", meterName, productName: "Voice Live", skuName: meterName.includes("Std") ? "Standard" : "Pro", serviceName: "Foundry Tools", unitOfMeasure: "1K", type: "Consumption", isPrimaryMeterRegion: true });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(url.searchParams.get("$filter") ?? "");
      const filter = url.searchParams.get("$filter") ?? "";
      const names = [...filter.matchAll(/meterName eq '((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
      const items = names.map((n) => item(n, n.endsWith("LLM Audio Input Tokens") ? 0.0353 : 0.001));
      const page = url.searchParams.get("page") === "2" ? 2 : 1;
      const half = Math.ceil(items.length / 2);
      const body = page === 1
        ? { BillingCurrency: "USD", CustomerEntityId: "Default", CustomerEntityType: "Retail", Items: items.slice(0, half), NextPageLink: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/retail/prices?page=2&$filter=${encodeURIComponent(filter)}`, Count: half }
        : { BillingCurrency: "USD", CustomerEntityId: "Default", CustomerEntityType: "Retail", Items: items.slice(half), NextPageLink: null, Count: items.length - half };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/retail/prices`;
      const { stdout } = await run("npx", ["tsx", "scripts/cost.ts", "--refresh-prices"], { cwd: root, env: { ...process.env, RETAIL_PRICES_URL: url, COST_CATALOGS_DIR: dir } });
      expect(stdout).toMatch(/voice-live-gpt-realtime\.json: 7 prices read \d{4}-\d\d-\d\d/);
      expect(seen.some((f) => f.includes("armRegionName eq 'eastus'") && f.includes("meterName eq 'Voice Live API Pro - LLM Audio Input Tokens'"))).toBe(true);
      const pro = JSON.parse(readFileSync(join(dir, "voice-live-gpt-realtime.json"), "utf8"));
      expect(pro.prices.audioInput.value).toBeCloseTo(35.3, 9); // 0.0353 per 1K = 35.3 per 1M
      expect(pro.prices.audioInput.meter).toMatchObject({ serviceName: "Foundry Tools", productName: "Voice Live", skuName: "Pro", meterName: "Voice Live API Pro - LLM Audio Input Tokens", armRegionName: "eastus", currencyCode: "USD", unitOfMeasure: "1K", effectiveStartDate: "2026-07-01T00:00:00Z" });
      expect(pro.prices.audioInput.meter.unconfirmed).toBeUndefined();
      expect(pro.prices.audioInput.asOf).toBe(pro.prices.audioInput.meter.readOn);
      // The shipped catalogs are untouched.
      expect(JSON.parse(readFileSync(join(root, "cost", "catalogs", "voice-live-gpt-realtime.json"), "utf8")).prices.audioInput.value).toBe(35.2);
    } finally {
      server.close();
    }
  }, 240_000);

  test("bad arguments exit 2 with a message", async () => {
    const failed = await cost("--minutes", "-3").then(() => null, (e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("--minutes needs a positive number");
    const unknown = await cost("--catalog", "nope").then(() => null, (e) => e);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown catalog "nope"; available: .*voice-live-gpt-realtime/);
  }, 30_000);
});
