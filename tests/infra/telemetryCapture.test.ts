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
 *
 * Finally every alert rule is run (evaluateLogAlert / evaluateMetricAlert) over series made of the
 * captured rows at each stack's own traffic (alertSeries.ts): it fires where its condition holds and stays
 * quiet where it does not, at prod's, staging's and small's volumes.
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
import { evaluateLogAlert, logAlerts, type LogAlertSpec, type MetricRow, type SystemLogRow } from "../../stacks/alertQueries";
import { evaluateMetricAlert, frontDoor5xxConditions, PlatformMetric } from "../../stacks/alerts";
import { workbookPanels } from "../../stacks/workbook";
import { MINUTE_MS, Series, stackLoad, templatesFrom, withDimensions, type StackLoad, type Templates } from "./alertSeries";
import { loadStackConfigFile } from "../../stacks/config";
import { sizeStack } from "../../stacks/sizing";

const root = join(__dirname, "..", "..");
const IKEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** A customMetrics row, from an exported MetricData envelope (see stacks/alertQueries.ts for the mapping). */
type Row = MetricRow;

interface Envelope {
  name: string;
  time?: string;
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
      timestamp: Date.parse(e.time ?? ""), name: m.name, value: m.value, valueSum: m.value, valueCount: m.count ?? 1, valueMin: m.min, valueMax: m.max,
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

test("every row carries its export interval's time (what the rules' windows cut on)", () => {
  expect(rows.every((r) => Number.isFinite(r.timestamp))).toBe(true);
});

const START = Date.UTC(2026, 11, 3, 10, 0);
const APP = "ca-voice-platform-test";
const terminated = (minute: number, exitCode: number, app = APP): SystemLogRow => ({
  TimeGenerated: START + minute * MINUTE_MS,
  ContainerAppName_s: app,
  Reason_s: "ContainerTerminated",
  Log_s: `Container 'voice-proxy' was terminated with exit code '${exitCode}'`,
});

describe.each(["prod", "staging", "small"])("%s: each alert at the stack's own traffic", (stack) => {
  let load: StackLoad;
  let t: Templates;
  let specs: LogAlertSpec[];
  beforeAll(() => {
    load = stackLoad(stack);
    t = templatesFrom(rows);
    specs = logAlerts(load.config, load.sizing, { containerAppName: load.config.hosting === "containerApps" ? APP : undefined });
  }, 60_000); // sizing a stack runs its cost model: seconds on a loaded machine
  const spec = (name: string) => {
    const found = specs.find((s) => s.name === name);
    if (!found) throw new Error(`${stack}: no alert ${name}`);
    return found;
  };
  const windowOf = (name: string, instances = load.instances) => new Series(START, spec(name).windowMinutes, instances);
  const run = (name: string, series: Series, systemLogs: SystemLogRow[] = [], at = series.end) =>
    evaluateLogAlert(spec(name), { customMetrics: series.rows, systemLogs }, at);

  test("connect failures: fire when the platform refuses a quarter of the upgrades; quiet on one refusal or on the users' own", () => {
    const attempts = load.attemptsIn(spec("connect-failures").windowMinutes);
    expect(attempts).toBeGreaterThan(0);
    const refusals = Math.max(2, Math.ceil(attempts / 4));
    expect(run("connect-failures", windowOf("connect-failures").spread(t.attempt, attempts).spread(t.platformRefusal, refusals)))
      .toEqual({ fires: true, measure: (100 * refusals) / attempts });
    expect(run("connect-failures", windowOf("connect-failures").spread(t.attempt, attempts).spread(t.platformRefusal, 1)).fires).toBe(false);
    expect(run("connect-failures", windowOf("connect-failures").spread(t.attempt, attempts).spread(t.clientRefusal, Math.ceil(attempts / 2))).fires).toBe(false);
  });

  test("error rate: a mass upstream_lost of open sessions fires with no new upgrade in the window; one error, or the clients' own, does not", () => {
    const lost = withDimensions(t.platformError, { code: "upstream_lost" });
    const open = load.openSessions;
    expect(open).toBeGreaterThanOrEqual(2);
    const w = spec("error-rate").windowMinutes;
    // Every open session lost at one minute; nobody reconnects within the window.
    const massLoss = windowOf("error-rate").gauge(t.gauge, (minute) => (minute < 1 ? open : 0)).count(lost, 1, open);
    expect(run("error-rate", massLoss)).toEqual({ fires: true, measure: 100 });
    // At the busiest moment: a share of the exposed sessions above the threshold fires, one error does not.
    const attempts = load.attemptsIn(w);
    const exposed = open + attempts;
    const errors = Math.max(2, Math.ceil((exposed * 2 * load.config.alerts.errorRatePercent) / 100));
    const busy = () => windowOf("error-rate").gauge(t.gauge, open).spread(t.attempt, attempts);
    expect(run("error-rate", busy().spread(lost, errors))).toEqual({ fires: true, measure: (100 * errors) / exposed });
    expect(run("error-rate", busy().spread(lost, 1)).fires).toBe(false);
    expect(run("error-rate", busy().spread(withDimensions(t.platformError, { code: "queue_overflow" }), exposed)).fires).toBe(false);
  });

  test("latency: its window holds enough turns; more than 5% slow fires, 5% or fewer does not", () => {
    const w = spec("latency-p95").windowMinutes;
    const turns = Math.round(load.turnsPerMinute * w);
    expect(turns).toBeGreaterThanOrEqual(20);
    const threshold = load.config.alerts.latencyP95Ms;
    const fast = withDimensions(t.turn, { le_ms: "200" });
    const slow = withDimensions(t.turn, { le_ms: "inf" });
    const atBound = withDimensions(t.turn, { le_ms: String(threshold) });
    const slowTurns = Math.ceil(turns * 0.1);
    expect(run("latency-p95", windowOf("latency-p95").spread(fast, turns - slowTurns).spread(slow, slowTurns)))
      .toEqual({ fires: true, measure: (100 * slowTurns) / turns });
    const fewSlow = Math.floor(turns * 0.05);
    expect(run("latency-p95", windowOf("latency-p95").spread(fast, turns - fewSlow).spread(slow, fewSlow)).fires).toBe(false);
    // Turns in the threshold's own bucket are not slower than it.
    expect(run("latency-p95", windowOf("latency-p95").spread(atBound, turns)).fires).toBe(false);
  });

  test("capacity: quiet at the busiest moment's open sessions, fires above the threshold", () => {
    const threshold = spec("sessions-near-capacity").threshold;
    expect(load.openSessions).toBeLessThan(threshold);
    expect(run("sessions-near-capacity", windowOf("sessions-near-capacity").gauge(t.gauge, load.openSessions)).fires).toBe(false);
    const full = windowOf("sessions-near-capacity", load.config.replicas.max).gauge(t.gauge, threshold + 1);
    expect(run("sessions-near-capacity", full)).toEqual({ fires: true, measure: threshold + 1 });
  });

  test("daily spend: quiet at the day the budget expects, fires past a day's share", () => {
    const threshold = spec("daily-spend").threshold;
    expect(load.dailySpendUsd).toBeLessThan(threshold);
    const day = (usd: number) => {
      const series = new Series(START, 24 * 60, 1);
      for (let minute = 0; minute < 600; minute++) series.count(t.cost, minute, usd / 600);
      return series;
    };
    expect(run("daily-spend", day(load.dailySpendUsd)).fires).toBe(false);
    expect(run("daily-spend", day(threshold * 1.1)).fires).toBe(true);
  });

  test("restarts (Container Apps): one crash pages in its window and ages out; a clean drain or another app does not", () => {
    if (load.config.hosting !== "containerApps") {
      expect(specs.map((s) => s.name)).not.toContain("container-restarts");
      return;
    }
    const empty = new Series(START, 60, 1);
    expect(run("container-restarts", empty, [terminated(3, 137)], START + 5 * MINUTE_MS)).toEqual({ fires: true, measure: 1 });
    // 16 minutes later the same single restart is outside the window: the cumulative metric would still say 1.
    expect(run("container-restarts", empty, [terminated(3, 137)], START + 19 * MINUTE_MS).fires).toBe(false);
    expect(run("container-restarts", empty, [terminated(3, 0)], START + 5 * MINUTE_MS).fires).toBe(false);
    expect(run("container-restarts", empty, [terminated(3, 137, "another-app")], START + 5 * MINUTE_MS).fires).toBe(false);
  });

  test("Front Door 5xx: one 503 at the stack's traffic is quiet; an outage fires", () => {
    const gate = load.sizing.alertGates.frontDoor5xx;
    const conditions = frontDoor5xxConditions(gate);
    const requests = load.attemptsIn(gate.windowMinutes);
    expect(requests).toBeGreaterThanOrEqual(gate.minRequests);
    /** Requests spread evenly over the window, the first `failed` of them 5xx. */
    const series = (failed: number) => {
      const perMinute: number[] = Array.from({ length: gate.windowMinutes }, (_, m) => Math.floor(requests / gate.windowMinutes) + (m < requests % gate.windowMinutes ? 1 : 0));
      let left = failed;
      const points = perMinute.map((n, m) => {
        const bad = Math.min(n, left);
        left -= bad;
        return { m, n, bad };
      }).filter((p) => p.n > 0);
      return {
        [PlatformMetric.frontDoorRequests]: points.map((p) => ({ timestamp: START + (p.m + 0.5) * MINUTE_MS, value: p.n })),
        [PlatformMetric.frontDoor5xx]: points.map((p) => ({ timestamp: START + (p.m + 0.5) * MINUTE_MS, value: (100 * p.bad) / p.n })),
      };
    };
    const at = START + gate.windowMinutes * MINUTE_MS;
    expect(evaluateMetricAlert(conditions, series(1), gate.windowMinutes, at).fires).toBe(false);
    expect(evaluateMetricAlert(conditions, series(requests), gate.windowMinutes, at).fires).toBe(true);
    // The window starts where the rule looks: a value stamped at its first instant is already out.
    expect(evaluateMetricAlert(conditions, series(requests), gate.windowMinutes, at + MINUTE_MS).values[PlatformMetric.frontDoorRequests]).toBeLessThanOrEqual(requests);
    // Too few requests in the window: quiet even at 100%.
    expect(evaluateMetricAlert(conditions, { [PlatformMetric.frontDoor5xx]: [{ timestamp: at - 1, value: 100 }], [PlatformMetric.frontDoorRequests]: [{ timestamp: at - 1, value: gate.minRequests - 1 }] }, gate.windowMinutes, at).fires).toBe(false);
  });
});

test("the cumulative RestartCount the rules no longer read: any threshold on it pages two hours after a single restart", () => {
  // What microsoft/azure-container-apps issues 467 and 1384 report: the metric carries the replica's total.
  const cumulative = Array.from({ length: 120 }, (_, m) => ({ timestamp: START + m * MINUTE_MS, value: m >= 3 ? 1 : 0 }));
  const old = [{ metricName: "RestartCount", operator: "GreaterThan", threshold: 0, timeAggregation: "Total" }];
  expect(evaluateMetricAlert(old, { RestartCount: cumulative }, 5, START + 120 * MINUTE_MS).fires).toBe(true);
  expect(Object.values(PlatformMetric)).not.toContain("RestartCount");
});

test("workbook: each panel over the captured rows gives what the sessions did", () => {
  const panel = (prefix: string) => workbookPanels().find((p) => p.title.startsWith(prefix))!.evaluate(rows);
  const sum = (result: Array<Record<string, string | number>>, column: string) => result.reduce((n, r) => n + Number(r[column]), 0);
  // Five upgrades: the two-turn session, the bad token, the holder, the refused one, the doomed one.
  expect(sum(panel("New sessions"), "upgrades")).toBe(5);
  expect(panel("Sessions ended on an error")).toEqual([{ code: "upstream_unavailable", errors: 1 }]);
  expect(panel("Refused upgrades")).toEqual(expect.arrayContaining([{ reason: "token_bad_signature", refusals: 1 }, { reason: "instance_full", refusals: 1 }]));
  expect(sum(panel("Upstream failovers"), "failovers")).toBe(total(rowsOf(Metric.upstreamFailovers)));
  expect(sum(panel("Upstream failovers"), "failovers")).toBeGreaterThanOrEqual(1);
  // One process: one replica reporting in every bin; open sessions never above the instance limit of 1.
  expect(panel("Replicas reporting").every((r) => r.replicas === 1)).toBe(true);
  expect(Math.max(...panel("Open sessions").map((r) => Number(r.sessions)))).toBeLessThanOrEqual(1);
  // The two turns' bucket is both percentiles.
  const buckets = rowsOf(Metric.latencyTurns).map((r) => r.customDimensions.le_ms);
  const latency = panel("First audio");
  expect(latency.length).toBeGreaterThan(0);
  for (const r of latency) {
    expect(buckets).toContain(r.p95Ms === Infinity ? "inf" : String(r.p95Ms));
    expect(Number(r.p50Ms)).toBeLessThanOrEqual(Number(r.p95Ms));
  }
  expect(sum(panel("Metered model cost"), "usd")).toBeCloseTo(total(rowsOf(Metric.costUsd)), 12);
});
