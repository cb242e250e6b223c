/**
 * What one ordinary authenticated user could do to everyone through what they share (the upstreams'
 * quota of new connections, the breakers, the health endpoints, tokens that never expire), kept as the
 * regression tests a hostile client would write: the real proxy, a real redis-server where Redis is
 * shared, and emulators that answer like Azure (429 + Retry-After past 30 new connections a minute,
 * 400 for an api-version they do not support). Loopback only, bounded loops.
 */
import { createConnection } from "node:net";
import { SignJWT } from "jose";
import { ClientPath } from "../../contracts";
import { LOCAL_KEY_ENV, LOCAL_MODEL } from "../../service/src/dev/localStack";
import type { Emulator } from "../../service/src/emulator";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, refusal, SECRET, startStack, type Client, type StackOptions, type TestStack } from "../support/stack";

const stacks: TestStack[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((r) => r.stop()));
});
async function stack(options: StackOptions = {}): Promise<TestStack> {
  const s = await startStack(options);
  stacks.push(s);
  return s;
}

/** Voice Live quota of new connections per resource (Speech service quotas and limits, Standard S0; read 2026-12-03). */
const AZURE_CONNECTIONS_PER_MINUTE = 30;
/** Voice Live api-versions documented by Microsoft (see contracts/upstream.ts for each source). */
const VOICE_LIVE_VERSIONS = ["2025-10-01", "2026-01-01-preview", "2026-04-10", "2026-06-01-preview", "2026-07-15"];
/** Only Voice Live entries, one per emulator (the local stack's default adds Azure OpenAI entries on the same emulators). */
const voiceLiveOnly = (extra: object = {}) => (emulators: Emulator[]) =>
  emulators.map((e, i) => ({ name: `vl${i}`, url: e.url, kind: "voice-live", priority: 1, auth: "key", apiKeyEnv: LOCAL_KEY_ENV, model: LOCAL_MODEL, ...extra }));
const azureLike = { connectionsPerMinute: AZURE_CONNECTIONS_PER_MINUTE, apiVersions: VOICE_LIVE_VERSIONS };

/** The raw answer to an upgrade: status and headers (Retry-After), read off the socket. */
function upgrade(port: number, path: string, token: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let out = "";
    socket.on("data", (c) => {
      out += c.toString();
      if (out.includes("\r\n\r\n")) {
        const [head, body] = out.split("\r\n\r\n");
        const [statusLine, ...lines] = head.split("\r\n");
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        socket.destroy();
        resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
      }
    });
    socket.on("error", reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: proxy\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  });
}
const PATH = `${ClientPath.voiceLive}?api-version=2025-10-01&model=${LOCAL_MODEL}`;

/** Opens a session, waits for the upstream's session.created, closes; the refusal's status when refused. */
async function openAndClose(url: string, token: string): Promise<number> {
  let client: Client;
  try {
    client = await connect(url, token);
  } catch (error) {
    return (error as { status?: number }).status ?? 0;
  }
  await client.waitFor("session.created", 3000).catch(() => undefined);
  client.ws.close();
  await client.closed;
  return 101;
}

test("one user looping new sessions and resumes is held to its own rate (429 + Retry-After) before any upstream is touched; the resource's quota stays for everyone", async () => {
  const s = await stack({ emulators: [azureLike], upstreams: voiceLiveOnly() });
  const hostile = await mintToken({ sub: "looper" });
  const statuses: number[] = [];
  let resume: string | undefined;
  for (let i = 0; i < 40; i++) {
    // Half new sessions, half resumes of the last one: both open a new upstream connection.
    const url = resume && i % 2 ? `${s.wsUrl()}&resume=${resume}` : s.wsUrl();
    let client: Client;
    try {
      client = await connect(url, hostile);
    } catch (error) {
      statuses.push((error as { status: number }).status);
      continue;
    }
    statuses.push(101);
    resume = String((await client.waitFor("proxy.session")).resume_token);
    await client.waitFor("session.created", 3000).catch(() => undefined);
    client.ws.close();
    await client.closed;
  }
  expect(statuses.filter((x) => x === 101).length).toBeLessThanOrEqual(12);
  expect(statuses.filter((x) => x !== 101).every((x) => x === 429)).toBe(true);
  const answer = await upgrade(s.proxy.port, PATH, hostile);
  expect(answer.status).toBe(429);
  expect(answer.body).toContain("user_rate_limited");
  expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(Number(answer.headers["retry-after"])).toBeLessThanOrEqual(60);
  // The upstream never had to refuse anyone, and another user gets in at once.
  expect(s.emulators[0].stats().quotaRefusals).toBe(0);
  expect(await openAndClose(s.wsUrl(), await mintToken({ sub: "bystander" }))).toBe(101);
}, 30_000);

test("many users past the resource's 30 a minute: the proxy answers 429 + Retry-After itself, the upstream is never over its quota, and /readyz says not ready", async () => {
  const s = await stack({ emulators: [azureLike], upstreams: voiceLiveOnly() });
  const statuses: number[] = [];
  for (let i = 0; i < AZURE_CONNECTIONS_PER_MINUTE + 5; i++) statuses.push(await openAndClose(s.wsUrl(), await mintToken({ sub: `crowd-${i}` })));
  expect(statuses.filter((x) => x === 101)).toHaveLength(AZURE_CONNECTIONS_PER_MINUTE);
  const late = await upgrade(s.proxy.port, PATH, await mintToken({ sub: "late" }));
  expect(late.status).toBe(429);
  expect(late.body).toContain("upstream_busy");
  expect(Number(late.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(s.emulators[0].stats().quotaRefusals).toBe(0);
  expect(s.emulators[0].stats().connections).toBe(AZURE_CONNECTIONS_PER_MINUTE);
  const ready = await fetch(`http://127.0.0.1:${s.proxy.port}/readyz`);
  expect(ready.status).toBe(503);
}, 60_000);

test("two instances behind one Redis share each resource's quota: together they never exceed it", async () => {
  const r = await startRedisServer();
  servers.push(r);
  const a = await stack({ emulators: [azureLike], upstreams: voiceLiveOnly(), env: { REDIS_URL: r.url } });
  const b = await stack({ emulators: [{}], upstreams: () => voiceLiveOnly()(a.emulators), env: { REDIS_URL: r.url } });
  let admitted = 0;
  for (let i = 0; i < AZURE_CONNECTIONS_PER_MINUTE + 6; i++) {
    if ((await openAndClose((i % 2 ? a : b).wsUrl(), await mintToken({ sub: `shared-${i}` }))) === 101) admitted++;
  }
  expect(admitted).toBe(AZURE_CONNECTIONS_PER_MINUTE);
  expect(a.emulators[0].stats().quotaRefusals).toBe(0);
}, 60_000);

test("a client's bad api-version is refused at the proxy (400 naming it) and never reaches, nor sets aside, a shared upstream", async () => {
  const s = await stack({ emulators: [azureLike, azureLike], upstreams: voiceLiveOnly() });
  for (let i = 0; i < 5; i++) {
    for (const bad of ["", "bogus"]) {
      const refused = await refusal(`ws://127.0.0.1:${s.proxy.port}${ClientPath.voiceLive}?api-version=${bad}&model=${LOCAL_MODEL}`, await mintToken({ sub: "prober" }));
      expect(refused).toMatchObject({ status: 400, code: "bad_parameter", message: expect.stringContaining("api-version") });
    }
  }
  expect(s.emulators.map((e) => e.stats().connections)).toEqual([0, 0]);
  expect(await openAndClose(s.wsUrl(), await mintToken({ sub: "bystander" }))).toBe(101);
});

test("an upstream's 400 to a parameter the client chose opens no breaker: everyone else keeps that upstream", async () => {
  // The proxy accepts 2026-07-15 (documented); these upstreams answer it 400, like a resource not yet updated.
  const older = { apiVersions: ["2025-10-01"] };
  const s = await stack({ emulators: [older, older], upstreams: voiceLiveOnly() });
  for (let i = 0; i < 4; i++) {
    const client = await connect(`ws://127.0.0.1:${s.proxy.port}${ClientPath.voiceLive}?api-version=2026-07-15&model=${LOCAL_MODEL}`, await mintToken({ sub: `newer-${i}` }));
    expect(await client.closed).toMatchObject({ code: 1013 });
  }
  const { upstreams } = (await (await fetch(`http://127.0.0.1:${s.proxy.adminPort}/readyz`)).json()) as { upstreams: Record<string, { state: string }> };
  expect(Object.values(upstreams).map((u) => u.state)).toEqual(["closed", "closed"]);
  expect(await openAndClose(s.wsUrl(), await mintToken({ sub: "bystander" }))).toBe(101);
  expect((await fetch(`http://127.0.0.1:${s.proxy.port}/readyz`)).status).toBe(200);
});

test("tokens that never expire, or expire in ten years, are refused (401)", async () => {
  const s = await stack();
  const key = new TextEncoder().encode(SECRET);
  const forever = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("forever").setIssuedAt().sign(key);
  expect(await refusal(s.wsUrl(), forever)).toMatchObject({ status: 401, code: "token_no_expiry" });
  const decade = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("decade").setExpirationTime("10 years").sign(key);
  expect(await refusal(s.wsUrl(), decade)).toMatchObject({ status: 401, code: "token_lifetime_too_long" });
});

test("anonymous /readyz and /healthz say ready or not and nothing else; /metrics and details only on the operators' port", async () => {
  const s = await stack();
  const client = await connect(s.wsUrl(), await mintToken({ sub: "watched" }));
  await client.waitFor("session.created");
  const base = `http://127.0.0.1:${s.proxy.port}`;
  expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready" });
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
  expect((await fetch(`${base}/metrics`)).status).toBe(404);
  const admin = `http://127.0.0.1:${s.proxy.adminPort}`;
  expect(await (await fetch(`${admin}/readyz`)).json()).toMatchObject({ status: "ready", sessions: 1, upstreams: { vl0: { state: "closed", sessions: 1 } } });
  expect(await (await fetch(`${admin}/metrics`)).text()).toContain("voice_");
  client.ws.close();
});
