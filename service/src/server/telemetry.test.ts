/**
 * Every metric attribute comes from a bounded, server-side set, whatever a caller passes: hostile voice
 * names, reasons, codes and token kinds collapse to "other". Read back through the real Prometheus
 * exporter the service serves on /metrics.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KNOWN_VOICES, latencyBucketOf, Refusal, TOKEN_KINDS } from "../../../contracts";
import { createTelemetry, MAX_NAME_VALUES, type Telemetry } from "./telemetry";

let telemetry: Telemetry;
let server: Server;

beforeAll(async () => {
  telemetry = await createTelemetry({ activeSessions: () => 2 });
  server = createServer((req, res) => telemetry.handleMetrics(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await telemetry.shutdown();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
  return res.text();
}

/** The values of one label across every series of a metric. */
function labelValues(text: string, metric: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(metric)) continue;
    const match = new RegExp(`${label}="([^"]*)"`).exec(line);
    if (match) values.add(match[1]);
  }
  return values;
}

const hostile = [
  "alloy", "ALLOY", "en-US-AvaNeural", "", "x".repeat(10_000), "a\"b", "{}", "../../etc", "\u0000", "voice-1", "voice-2",
  ...Array.from({ length: 300 }, (_, i) => `random-${i}-${Math.random()}`),
];

test("a client-chosen voice never becomes a label: known voices, 'default' or 'other'", async () => {
  for (const voice of hostile) telemetry.latency(250, voice, "australiaeast");
  telemetry.latency(250, { name: "en-US-Ava" } as unknown as string, "australiaeast");
  const voices = labelValues(await scrape(), "voice_latency_ms", "voice");
  expect([...voices].every((v) => (KNOWN_VOICES as readonly string[]).includes(v) || v === "other" || v === "default")).toBe(true);
  expect(voices).toEqual(new Set(["alloy", "other", "default"]));
});

test("reasons, codes, kinds and names are bounded too", async () => {
  for (const value of hostile) {
    telemetry.connectFailure(value, { stage: value, upstream: value, region: value, extra: value });
    telemetry.error(value);
    telemetry.tokens(10, value);
    telemetry.failover(value, value);
  }
  telemetry.connectFailure("instance_full", { stage: "client" });
  telemetry.connectFailure("http_429", { stage: "upstream", upstream: "au", region: "australiaeast" });
  telemetry.connectFailure("http_999", { stage: "upstream" });
  telemetry.tokens(-5, "input_audio");
  telemetry.tokens(Number.NaN, "output_audio");
  const text = await scrape();
  const reasons = labelValues(text, "voice_connect_failures", "reason");
  expect([...reasons].every((r) => r in Refusal || r === "network" || /^http_[1-5]\d\d$/.test(r) || r === "other")).toBe(true);
  expect(reasons).toContain("instance_full");
  expect(reasons).toContain("http_429");
  expect(reasons).not.toContain("http_999");
  expect(labelValues(text, "voice_connect_failures", "stage")).toEqual(new Set(["other", "client", "upstream"]));
  expect(labelValues(text, "voice_connect_failures", "extra").size).toBe(0);
  expect([...labelValues(text, "voice_tokens", "kind")].every((k) => (TOKEN_KINDS as readonly string[]).includes(k) || k === "other")).toBe(true);
  expect([...labelValues(text, "voice_errors", "code")].every((c) => /^[a-z][a-z0-9_]{0,39}$/.test(c))).toBe(true);
  // Names from configuration pass, up to a fixed number of distinct values; past it, "other".
  const upstreams = labelValues(text, "voice_connect_failures", "upstream");
  expect(upstreams.size).toBeLessThanOrEqual(MAX_NAME_VALUES + 1);
  expect(upstreams).toContain("other");
  expect(labelValues(text, "voice_errors", "code").size).toBeLessThanOrEqual(MAX_NAME_VALUES + 1);
  expect([...upstreams].every((u) => u.length <= 64)).toBe(true);
  // Counters never go backwards on an upstream's bad usage numbers.
  expect(text).not.toMatch(/voice_tokens_total\{kind="input_audio"[^}]*\} -/);
});

test("each turn is counted once in its fixed latency bucket (le_ms), for percentiles", async () => {
  const before = await scrape();
  const count = (text: string, bucket: string) => Number(new RegExp(`voice_latency_turns_total\\{le_ms="${bucket}",region="australiaeast"[^}]*\\} (\\S+)`).exec(text)?.[1] ?? 0);
  for (const ms of [0, 49.9, 50, 299, 300, 300.1, 4999, 5000, 5001, 60_000]) telemetry.latency(ms, "alloy", "australiaeast");
  telemetry.latency(Number.NaN, "alloy", "australiaeast");
  telemetry.latency(-1, "alloy", "australiaeast");
  const after = await scrape();
  const expected: Record<string, number> = { "50": 3, "300": 2, "400": 1, "5000": 2, inf: 2 };
  for (const [bucket, n] of Object.entries(expected)) expect([bucket, count(after, bucket) - count(before, bucket)]).toEqual([bucket, n]);
  expect(latencyBucketOf(300)).toBe("300");
  expect(latencyBucketOf(Number.POSITIVE_INFINITY)).toBe("inf");
});
