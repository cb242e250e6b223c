/**
 * What @azure/monitor-opentelemetry really sends, against what the alert rules query.
 *
 * The proxy runs in a child process (tests/infra/fixtures/telemetryStack.ts) with
 * APPLICATIONINSIGHTS_CONNECTION_STRING pointing its ingestion (and live metrics) endpoint at a local
 * HTTPS server: the exporter rewrites http:// endpoints to https:// (its connectionStringParser), so the
 * server has a self-signed certificate that the child trusts through NODE_EXTRA_CA_CERTS. Off-box
 * requests (the exporter's OneSettings configuration poll) go through HTTPS_PROXY to a local sink that
 * refuses them; NO_PROXY keeps loopback direct. Real sessions run through the proxy: turns with a hostile
 * voice, an upstream failover, a refused token, a platform refusal (instance full) and a session whose
 * every upstream is down. The child then drains (SIGTERM path: proxy.close -> telemetry.shutdown flushes)
 * and the test reads every envelope it sent.
 *
 * Then each log alert's query (stacks/alertQueries.ts, as deployed for prod) is checked against those
 * records: its metric names exist, its fields exist in the rows it reads (and `value` only where a row
 * holds one observation), its dimensions exist, and its filters, applied to the captured rows, select
 * exactly the events the alert means (platform refusals, not the user's own or a failover).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gunzipSync } from "node:zlib";
import { generate } from "selfsigned";
import {
  ClientPath, DEFAULT_API_VERSION, KNOWN_VOICES, Metric, PLATFORM_ERROR_CODES, RealtimeEvent, refusalsCausedBy, SERVICE_ROLE_NAME, TOKEN_KINDS,
} from "../../contracts";
import { connectClient, refusalOf } from "../../service/src/dev/client";
import { toneChunk } from "../../service/src/emulator/protocol";
import { logAlerts, type LogAlertSpec } from "../../stacks/alertQueries";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";

const root = join(__dirname, "..", "..");
const IKEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** A customMetrics row, from an exported MetricData envelope (see stacks/alertQueries.ts for the mapping). */
interface Row {
  name: string;
  value: number;
  valueSum: number;
  valueCount: number;
  valueMin?: number;
  valueMax?: number;
  customDimensions: Record<string, string>;
  cloud_RoleInstance?: string;
  cloud_RoleName?: string;
}

interface Envelope {
  name: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: { metrics?: Array<{ name: string; value: number; count?: number; min?: number; max?: number }>; properties?: Record<string, string> } };
}

let ingestion: HttpsServer;
let sink: HttpServer;
let child: ChildProcessWithoutNullStreams;
const envelopes: Envelope[] = [];
const ingestionPaths: string[] = [];
const offBox: string[] = [];
let rows: Row[] = [];
let alerts: LogAlertSpec[];

const URL_PATH = `${ClientPath.voiceLive}?api-version=${DEFAULT_API_VERSION["voice-live"]}&model=gpt-realtime`;
const HOSTILE_VOICE = "en-US-<script>Ava</script>";

async function turn(url: string, token: string, voice: string, turns: number): Promise<void> {
  const client = await connectClient(url, { token });
  await client.waitFor(RealtimeEvent.sessionCreated, 10_000);
  let mark = client.events.length;
  client.send({ type: RealtimeEvent.sessionUpdate, session: { voice } });
  await client.waitFor(RealtimeEvent.sessionUpdated, 10_000, mark);
  for (let i = 0; i < turns; i++) {
    client.send({ type: RealtimeEvent.inputAudioAppend, audio: toneChunk(0, 2400).toString("base64") });
    client.send({ type: RealtimeEvent.inputAudioCommit });
    mark = client.events.length;
    client.send({ type: RealtimeEvent.responseCreate });
    await client.waitFor(RealtimeEvent.responseDone, 10_000, mark);
  }
  client.ws.close(1000);
  await client.closed;
}

beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 3600_000),
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  const caFile = join(mkdtempSync(join(tmpdir(), "telemetry-ca-")), "ca.pem");
  writeFileSync(caFile, pems.cert);

  ingestion = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      ingestionPaths.push(`${req.method} ${req.url?.split("?")[0]}`);
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.url?.startsWith("/v2.1/track")) {
        for (const line of body.toString("utf8").split("\n").filter((l) => l.trim())) {
          const parsed = JSON.parse(line) as Envelope | Envelope[];
          envelopes.push(...(Array.isArray(parsed) ? parsed : [parsed]));
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      } else {
        // Live metrics pings: not subscribed.
        res.writeHead(200, { "x-ms-qps-subscribed": "false" });
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => ingestion.listen(0, "127.0.0.1", resolve));
  sink = createHttpServer((req, res) => {
    offBox.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  sink.on("connect", (req, socket) => {
    offBox.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const endpoint = `https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`;
  const proxy = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "telemetryStack.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEST_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
      NODE_EXTRA_CA_CERTS: caFile,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: "true",
      HTTPS_PROXY: proxy,
      HTTP_PROXY: proxy,
      NO_PROXY: "127.0.0.1,localhost",
      // What the infrastructure sets (stacks/serviceEnv.ts).
      OTEL_SERVICE_NAME: SERVICE_ROLE_NAME,
    },
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: child.stdout });
  const nextLine = () => new Promise<string>((resolve, reject) => {
    const onExit = () => reject(new Error(`the stack exited: ${stderr}`));
    child.once("exit", onExit);
    lines.once("line", (line) => {
      child.off("exit", onExit);
      resolve(line);
    });
  });
  const ready = JSON.parse(await nextLine()) as { port: number; tokens: { a: string; b: string } };
  const command = async (line: string) => {
    const answer = nextLine();
    child.stdin.write(`${line}\n`);
    return answer;
  };
  const url = `ws://127.0.0.1:${ready.port}${URL_PATH}`;

  // Two turns with a hostile voice (fails over from the refusing upstream first).
  await turn(url, ready.tokens.a, HOSTILE_VOICE, 2);
  // The user's own refusal: a token signed with another key.
  expect((await refusalOf(url, { token: `${ready.tokens.a.slice(0, -4)}AAAA` })).code).toBe("token_bad_signature");
  // A platform refusal: one session fills the instance (MAX_SESSIONS_PER_INSTANCE=1), the next gets 503.
  const holder = await connectClient(url, { token: ready.tokens.a });
  await holder.waitFor(RealtimeEvent.sessionCreated, 10_000);
  expect((await refusalOf(url, { token: ready.tokens.b })).code).toBe("instance_full");
  holder.ws.close(1000);
  await holder.closed;
  // A session no upstream can serve: an error event, then the close.
  await command("refuse-all");
  await new Promise((r) => setTimeout(r, 100)); // the holder's release reaches the in-process registry
  const doomed = await connectClient(url, { token: ready.tokens.b });
  await doomed.closed;
  await command("accept");
  // Drain and flush.
  expect(await command("stop")).toBe("stopped");
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));

  rows = envelopes.flatMap((e) => e.data?.baseType === "MetricData"
    ? (e.data.baseData?.metrics ?? []).map((m) => ({
      name: m.name, value: m.value, valueSum: m.value, valueCount: m.count ?? 1, valueMin: m.min, valueMax: m.max,
      customDimensions: e.data?.baseData?.properties ?? {}, cloud_RoleInstance: e.tags?.["ai.cloud.roleInstance"], cloud_RoleName: e.tags?.["ai.cloud.role"],
    }))
    : []).filter((r) => r.name.startsWith("voice."));
  const config = loadStackConfigFile("prod", root);
  alerts = logAlerts(config, sizeStack(config));
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await Promise.all([ingestion, sink].filter(Boolean).map((s) => new Promise((resolve) => s.close(resolve))));
});

const rowsOf = (metric: string) => rows.filter((r) => r.name === metric);
const total = (rs: Row[]) => rs.reduce((sum, r) => sum + r.valueSum, 0);

/** What a query reads: metric names, row fields, dimension keys, and its equality / `in` filters on dimensions. */
function readsOf(query: string) {
  const names = [...query.matchAll(/name == "([^"]+)"/g)].map((m) => m[1]);
  const fields = [...new Set([...query.matchAll(/\b(valueSum|valueCount|valueMin|valueMax|value)\b/g)].map((m) => m[1]))];
  const dimensions = [...new Set([...query.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1]))];
  const filters: Array<{ key: string; values: string[] }> = [
    ...[...query.matchAll(/tostring\(customDimensions\.(\w+)\) == "([^"]+)"/g)].map((m) => ({ key: m[1], values: [m[2]] })),
    ...[...query.matchAll(/tostring\(customDimensions\.(\w+)\) in \(([^)]*)\)/g)].map((m) => ({ key: m[1], values: [...m[2].matchAll(/"([^"]+)"/g)].map((v) => v[1]) })),
  ];
  return { names, fields, dimensions, filters };
}

/** Rows of `metric` that pass the query's filters on dimensions that metric carries. */
function selected(query: string, metric: string): Row[] {
  const { filters } = readsOf(query);
  const candidates = rowsOf(metric);
  const keys = new Set(candidates.flatMap((r) => Object.keys(r.customDimensions)));
  return candidates.filter((r) => filters.filter((f) => keys.has(f.key)).every((f) => f.values.includes(r.customDimensions[f.key])));
}

test("the exporter sent every envelope to the local endpoint; nothing left the machine but refused configuration polls", () => {
  expect(ingestionPaths.filter((p) => p === "POST /v2.1/track").length).toBeGreaterThan(0);
  expect(rows.length).toBeGreaterThan(10);
  for (const attempt of offBox) expect(attempt).toMatch(/settings\.sdk\.monitor\.azure\.com/);
  // Rows are attributed to the role the infrastructure names, and to an instance.
  expect(new Set(rows.map((r) => r.cloud_RoleName))).toEqual(new Set([SERVICE_ROLE_NAME]));
  expect(rows.every((r) => typeof r.cloud_RoleInstance === "string" && r.cloud_RoleInstance.length > 0)).toBe(true);
});

test("every alert query's metric names, fields and dimensions exist in what the exporter sent", () => {
  for (const alert of alerts) {
    const { names, fields, dimensions } = readsOf(alert.query);
    expect([alert.name, names.length]).not.toEqual([alert.name, 0]);
    for (const name of names) expect([alert.name, name, rowsOf(name).length > 0]).toEqual([alert.name, name, true]);
    const read = rows.filter((r) => names.includes(r.name));
    for (const field of fields) {
      // `value` is one observation only where a row holds one (count 1): gauges and counters.
      if (field === "value") expect([alert.name, read.every((r) => r.valueCount === 1)]).toEqual([alert.name, true]);
      if (field === "valueMin" || field === "valueMax") expect([alert.name, field, read.every((r) => r[field] !== undefined)]).toEqual([alert.name, field, true]);
    }
    for (const key of dimensions) expect([alert.name, key, read.some((r) => key in r.customDimensions)]).toEqual([alert.name, key, true]);
    if (alert.query.includes("cloud_RoleInstance")) expect(read.every((r) => r.cloud_RoleInstance)).toBe(true);
  }
});

test("connect failures: the query keeps the platform's refusal and drops the user's own refusal and the failovers", () => {
  const query = alerts.find((a) => a.name === "connect-failures")!.query;
  const failures = rowsOf(Metric.connectFailures);
  // Captured: the failovers (stage upstream), the bad token and the full instance (stage client).
  expect(failures.some((r) => r.customDimensions.stage === "upstream")).toBe(true);
  expect(failures.map((r) => r.customDimensions.reason)).toEqual(expect.arrayContaining(["token_bad_signature", "instance_full"]));
  const counted = selected(query, Metric.connectFailures);
  expect(counted.map((r) => [r.customDimensions.stage, r.customDimensions.reason])).toEqual([["client", "instance_full"]]);
  expect(total(counted)).toBe(1);
  for (const code of refusalsCausedBy("client")) expect(counted.some((r) => r.customDimensions.reason === code)).toBe(false);
  // The denominator: one client attempt per upgrade (two turns' session, bad token, holder, full, doomed).
  expect(total(selected(query, Metric.connectAttempts))).toBe(5);
  expect(total(rowsOf(Metric.upstreamFailovers))).toBeGreaterThanOrEqual(1);
});

test("error rate: the session no upstream could serve is counted; the client's own errors would not be", () => {
  const query = alerts.find((a) => a.name === "error-rate")!.query;
  const counted = selected(query, Metric.errors);
  expect(counted.map((r) => r.customDimensions.code)).toEqual(["upstream_unavailable"]);
  expect(PLATFORM_ERROR_CODES).toContain("upstream_unavailable");
});

test("latency: every turn lands in one fixed bucket the p95 query reads; the hostile voice is 'other'", () => {
  const query = alerts.find((a) => a.name === "latency-p95")!.query;
  const turns = rowsOf(Metric.latencyTurns);
  expect(total(turns)).toBe(2);
  expect(turns.every((r) => /^(\d+|inf)$/.test(r.customDimensions.le_ms))).toBe(true);
  expect(query).toContain(`"${Metric.latencyTurns}"`);
  // The histogram arrives as sum/count/min/max per interval (no buckets): a percentile over it would not be one.
  const histogram = rowsOf(Metric.latencyMs);
  expect(histogram.length).toBeGreaterThan(0);
  expect(histogram.every((r) => r.valueMin !== undefined && r.valueMax !== undefined)).toBe(true);
  expect(histogram.reduce((n, r) => n + r.valueCount, 0)).toBe(2);
  expect(new Set(histogram.map((r) => r.customDimensions.voice))).toEqual(new Set(["other"]));
  expect(KNOWN_VOICES).not.toContain(HOSTILE_VOICE);
});

test("active sessions: the gauge arrives per instance with one observation a row", () => {
  const gauge = rowsOf(Metric.sessionsActive);
  expect(gauge.length).toBeGreaterThan(0);
  expect(gauge.every((r) => r.valueCount === 1 && r.value === r.valueSum)).toBe(true);
});

test("daily spend: the service sends its metered cost, and the query sums exactly those rows", () => {
  const query = alerts.find((a) => a.name === "daily-spend")!.query;
  expect(query).toContain(`where name == "${Metric.costUsd}"`);
  const cost = rowsOf(Metric.costUsd);
  expect(cost.length).toBeGreaterThan(0);
  const spend = cost.reduce((usd, r) => usd + r.valueSum, 0);
  expect(spend).toBeGreaterThan(0);
  // Tokens arrive too, with the contract's kinds (for dashboards and for checking the bill).
  for (const kind of new Set(rowsOf(Metric.tokens).map((r) => r.customDimensions.kind))) expect(TOKEN_KINDS).toContain(kind);
});
