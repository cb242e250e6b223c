/**
 * The hostile tester's attacks on the proxy, kept as regression tests (issue 10): each reproduces one
 * on real sockets (and a real redis-server where Redis is involved), loopback only, bounded loops.
 */
import { createConnection, type Socket } from "node:net";
import { SignJWT } from "jose";
import { createClient } from "redis";
import { freePort } from "../support/ports";
import { createRedisState } from "../../service/src/registry/redis";
import type { SharedState } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, refusal, SECRET, startStack, type Client, type StackOptions, type TestStack } from "../support/stack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stacks: TestStack[] = [];
const states: SharedState[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  for (const r of servers) r.thaw();
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(states.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((r) => r.stop()));
});

async function stack(options: StackOptions = {}): Promise<TestStack> {
  const s = await startStack(options);
  stacks.push(s);
  return s;
}
async function redis(port?: number, args: string[] = []): Promise<RedisServer> {
  const r = await startRedisServer(port, args);
  servers.push(r);
  return r;
}
async function redisState(url: string, options: Parameters<typeof createRedisState>[1] = {}): Promise<SharedState> {
  const s = await createRedisState(url, { commandTimeoutMs: 300, coolDownMs: 500, connectWaitMs: 500, ...options });
  states.push(s);
  return s;
}

/** Sends raw bytes and returns what comes back until the server closes or `ms` passes. */
function raw(port: number, request: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let out = "";
    socket.on("data", (c) => (out += c.toString()));
    const done = () => resolve(out);
    socket.on("close", done);
    socket.on("error", done);
    socket.write(request);
    setTimeout(() => {
      socket.destroy();
      done();
    }, ms).unref();
  });
}

const upgradeRequest = (path: string, headers: Record<string, string>) =>
  `GET ${path} HTTP/1.1\r\nHost: proxy\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
const readyz = async (s: TestStack) => {
  const res = await fetch(`http://127.0.0.1:${s.proxy.adminPort}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; registry: string } };
};

test("1. a request target `new URL` rejects (GET //) is answered 404 on both paths; the proxy lives on", async () => {
  const s = await stack();
  expect(await raw(s.proxy.port, "GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 404/);
  const token = await mintToken();
  const upgrade = await raw(s.proxy.port, upgradeRequest("//", { Authorization: `Bearer ${token}`, "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13" }));
  expect(upgrade).toMatch(/^HTTP\/1\.1 404[\s\S]*"not_found"/);
  expect((await fetch(`http://127.0.0.1:${s.proxy.port}/healthz`)).status).toBe(200);
});

test("2. a client-chosen voice never becomes a metric label: /metrics stays small", async () => {
  const s = await stack();
  const client = await connect(s.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  const hostile = (i: number) => `v${i}-${"x".repeat(10 * 1024)}`;
  for (let i = 0; i < 20; i++) {
    const from = client.events.length;
    client.send({ type: "session.update", session: { voice: hostile(i) } });
    client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(4800).toString("base64") });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    await client.waitFor("response.done", 5000, from);
  }
  const metrics = await (await fetch(`http://127.0.0.1:${s.proxy.adminPort}/metrics`)).text();
  expect(metrics).not.toContain("xxxxxxxxxx");
  expect(metrics).toMatch(/voice_latency_ms_count\{[^}]*voice="other"/);
  expect(metrics.length).toBeLessThan(64 * 1024);
  client.ws.close();
}, 30_000);

test("3. the per-instance limit holds under Redis: 40 simultaneous upgrades for 10 places admit exactly 10", async () => {
  const r = await redis();
  const s = await stack({ env: { MAX_SESSIONS_PER_INSTANCE: "10", MAX_SESSIONS_PER_USER: "5" }, deps: { state: await redisState(r.url, { prefix: "a3:" }) } });
  const results = await Promise.allSettled(Array.from({ length: 40 }, async (_, i) => connect(s.wsUrl(), await mintToken({ sub: `crowd-${i}` }))));
  const admitted = results.filter((x) => x.status === "fulfilled") as PromiseFulfilledResult<Client>[];
  const refused = results.filter((x) => x.status === "rejected") as PromiseRejectedResult[];
  expect(admitted).toHaveLength(10);
  expect(refused.map((x) => x.reason.status)).toEqual(Array(30).fill(503));
  for (const c of admitted) c.value.ws.close();
});

test("4. a handshake ws would reject is refused before admission (400) and holds no slot", async () => {
  const r = await redis();
  const state = await redisState(r.url, { prefix: "a4:" });
  const s = await stack({ env: { MAX_SESSIONS_PER_USER: "1" }, deps: { state } });
  const token = await mintToken({ sub: "one-slot" });
  const badKey = await raw(s.proxy.port, upgradeRequest("/voice-live/realtime?model=gpt-realtime", { Authorization: `Bearer ${token}`, "Sec-WebSocket-Key": "not-a-key", "Sec-WebSocket-Version": "13" }));
  expect(badKey).toMatch(/^HTTP\/1\.1 400[\s\S]*"bad_handshake"/);
  const badVersion = await raw(s.proxy.port, upgradeRequest("/voice-live/realtime?model=gpt-realtime", { Authorization: `Bearer ${token}`, "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "99" }));
  expect(badVersion).toMatch(/^HTTP\/1\.1 400/);
  // The user's one slot is free at once.
  const client = await connect(s.wsUrl(), token);
  await client.waitFor("session.created");
  expect(await state.registry.activeCount()).toBe(1);
  client.ws.close();
});

test("5. Redis frozen: admission answers within its deadline on the instance's own limits, never over them; closing does not hang", async () => {
  const r = await redis();
  const state = await redisState(r.url, { prefix: "a5:" });
  const s = await stack({ env: { MAX_SESSIONS_PER_INSTANCE: "3" }, deps: { state } });
  r.freeze();
  const started = Date.now();
  const clients = await Promise.all([0, 1, 2].map(async (i) => connect(s.wsUrl(), await mintToken({ sub: `frozen-${i}` }))));
  expect(Date.now() - started).toBeLessThan(1500);
  await Promise.all(clients.map((c) => c.waitFor("session.created")));
  expect(await refusal(s.wsUrl(), await mintToken({ sub: "frozen-3" }))).toMatchObject({ status: 503, code: "instance_full" });
  expect((await readyz(s)).body.registry).toMatch(/not answering/);
  const closing = Date.now();
  stacks.splice(stacks.indexOf(s), 1);
  await s.stop();
  await state.close();
  states.splice(states.indexOf(state), 1);
  expect(Date.now() - closing).toBeLessThan(4000);
}, 20_000);

test("6. Redis restarted empty: live sessions are registered again by the next heartbeat; the per-user limit holds again", async () => {
  const port = await freePort();
  let r = await redis(port);
  const s = await stack({ env: { MAX_SESSIONS_PER_USER: "2" }, deps: { state: await redisState(r.url, { prefix: "a6:" }), limits: { heartbeatMs: 200 } } });
  const clients: Client[] = [];
  for (let i = 0; i < 10; i++) {
    const token = await mintToken({ sub: `user-${i}` });
    clients.push(await connect(s.wsUrl(), token), await connect(s.wsUrl(), token));
  }
  await Promise.all(clients.map((c) => c.waitFor("session.created")));
  await r.stop();
  servers.splice(servers.indexOf(r), 1);
  r = await redis(port);
  const probe = createClient({ url: r.url });
  await probe.connect();
  try {
    const deadline = Date.now() + 10_000;
    while ((await probe.zCard("a6:sessions")) < 20 && Date.now() < deadline) await sleep(100);
    expect(await probe.zCard("a6:sessions")).toBe(20);
  } finally {
    await probe.quit();
  }
  expect(await refusal(s.wsUrl(), await mintToken({ sub: "user-0" }))).toMatchObject({ status: 429, code: "user_session_limit" });
  for (const c of clients) c.ws.close();
}, 30_000);

test("7. the proxy starts while Redis is down (and with a wrong password): it listens, serves on local limits, and joins when Redis answers", async () => {
  const port = await freePort();
  const s = await stack({ env: { REDIS_URL: `redis://127.0.0.1:${port}` }, deps: { limits: { heartbeatMs: 200 } } });
  expect((await fetch(`http://127.0.0.1:${s.proxy.port}/healthz`)).status).toBe(200);
  expect(await readyz(s)).toMatchObject({ status: 200, body: { registry: expect.stringMatching(/not connected/) } });
  const client = await connect(s.wsUrl(), await mintToken({ sub: "early" }));
  await client.waitFor("session.created");
  await redis(port);
  const deadline = Date.now() + 10_000;
  while (!/connected\)$/.test((await readyz(s)).body.registry) && Date.now() < deadline) await sleep(100);
  while ((await s.state.registry.activeCount().catch(() => 0)) < 1 && Date.now() < deadline) await sleep(100);
  expect(await s.state.registry.activeCount()).toBe(1);
  client.ws.close();

  const locked = await redis(undefined, ["--requirepass", "right-password"]);
  const wrong = await stack({ env: { REDIS_URL: `redis://:wrong@127.0.0.1:${locked.port}` } });
  expect((await fetch(`http://127.0.0.1:${wrong.proxy.port}/healthz`)).status).toBe(200);
  const admitted = await connect(wrong.wsUrl(), await mintToken({ sub: "wrong-password" }));
  await admitted.waitFor("session.created");
  admitted.ws.close();
}, 30_000);

test("9. draining: readiness fails at once, new upgrades get 503, open sessions are told to reconnect only after the drain delay", async () => {
  const s = await stack({ deps: { limits: { drainDelayMs: 600 } } });
  const client = await connect(s.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  const drained = s.proxy.drain();
  expect(await readyz(s)).toMatchObject({ status: 503, body: { status: "draining" } });
  expect(await refusal(s.wsUrl(), await mintToken({ sub: "late" }))).toMatchObject({ status: 503, code: "draining" });
  await sleep(300);
  expect(client.events.some((e) => e.type === "proxy.reconnect")).toBe(false);
  await drained;
  expect(await client.closed).toMatchObject({ code: 1012 });
  expect(client.events.find((e) => e.type === "proxy.reconnect")).toMatchObject({ resume_token: expect.any(String) });
});

test("10. an upstream answering 429 with Retry-After is not tried again by the next sessions until then", async () => {
  const s = await stack({ emulators: [{ faults: { rateLimit: true } }, {}] });
  for (let i = 0; i < 3; i++) {
    const client = await connect(s.wsUrl(), await mintToken({ sub: `rl-${i}` }));
    await client.waitFor("session.created");
    client.ws.close();
  }
  expect(s.emulators[0].stats().connections).toBe(1);
  expect(s.emulators[1].stats().connections).toBe(3);
});

test("11. HS256 with AUTH_ISSUER and AUTH_AUDIENCE: a token signed with the right secret for another audience or issuer is refused", async () => {
  const s = await stack({ env: { AUTH_ISSUER: "https://issuer.example.com", AUTH_AUDIENCE: "api://voice" } });
  const sign = (iss: string, aud: string) => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").setIssuer(iss).setAudience(aud).setExpirationTime("5m").sign(new TextEncoder().encode(SECRET));
  expect(await refusal(s.wsUrl(), await sign("https://issuer.example.com", "api://other"))).toMatchObject({ status: 401, code: "token_bad_audience" });
  expect(await refusal(s.wsUrl(), await sign("https://evil.example.com", "api://voice"))).toMatchObject({ status: 401, code: "token_bad_issuer" });
  const ok = await connect(s.wsUrl(), await sign("https://issuer.example.com", "api://voice"));
  await ok.waitFor("session.created");
  ok.ws.close();
});

test("12. a slowloris flood cannot lock real users out: the oldest half-open connections go, health and sessions get through", async () => {
  const s = await stack({ deps: { limits: { maxPendingConnections: 50 } } });
  const sockets: Socket[] = [];
  let closedByServer = 0;
  for (let i = 0; i < 150; i++) {
    const socket = createConnection({ host: "127.0.0.1", port: s.proxy.port });
    socket.on("error", () => undefined);
    socket.on("close", () => closedByServer++);
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finishes its headers
    sockets.push(socket);
  }
  await sleep(300);
  expect((await fetch(`http://127.0.0.1:${s.proxy.port}/healthz`)).status).toBe(200);
  const client = await connect(s.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  expect(closedByServer).toBeGreaterThanOrEqual(100);
  client.ws.close();
  for (const socket of sockets) socket.destroy();
});

test("13. a silent client that answers pings is warned, then closed; it may resume", async () => {
  const s = await stack({ deps: { limits: { idleMs: 800, idleNoticeMs: 400 } } });
  const client = await connect(s.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  expect(await client.waitFor("proxy.session.expiring", 3000)).toMatchObject({ reason: "idle" });
  expect(await client.closed).toMatchObject({ code: 1000, reason: "idle: no events from the client" });
});

test("a forged resume token that names another key (\"<token>:items\") is not resumable and puts nothing else at risk", async () => {
  const r = await redis();
  const state = await redisState(r.url, { prefix: "a16:" });
  const s = await stack({ deps: { state } });
  const token = await mintToken({ sub: "victim" });
  const victim = await connect(s.wsUrl(), token);
  const resumeToken = String((await victim.waitFor("proxy.session")).resume_token);
  await victim.waitFor("session.created");
  victim.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] } });
  await victim.waitFor("conversation.item.created");
  for (const [i, forged] of [`${resumeToken}:items`, "*", "a".repeat(300), "../x"].entries()) {
    const attacker = await connect(`${s.wsUrl()}&resume=${encodeURIComponent(forged)}`, await mintToken({ sub: `attacker-${i}` }));
    expect(await attacker.waitFor("proxy.session")).toMatchObject({ resume_status: "not_resumable" });
    attacker.ws.close();
  }
  // Redis is not set aside by those attempts: the next admission still registers in Redis.
  expect(state.registry.healthy()).toBe(true);
  const next = await connect(s.wsUrl(), await mintToken({ sub: "next" }));
  await next.waitFor("session.created");
  expect(await state.registry.activeCount()).toBe(2);
  victim.ws.close();
  next.ws.close();
});

test("5b. SIGTERM while Redis is frozen: the process drains and exits, within its grace period", async () => {
  const { spawn } = await import("node:child_process");
  const { join } = await import("node:path");
  const r = await redis();
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "..", "service/src/server/main.ts")], {
    env: {
      ...process.env, PORT: String(port), HOST: "127.0.0.1", REDIS_URL: r.url, DRAIN_DELAY_SECONDS: "1", AUTH_JWT_SECRET: SECRET,
      UPSTREAMS: JSON.stringify([{ name: "au", url: "http://127.0.0.1:9", kind: "voice-live", priority: 1, model: "gpt-realtime" }]), UPSTREAM_AU_API_KEY: "k",
    },
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (await fetch(`http://127.0.0.1:${port}/healthz`).then((x) => x.ok, () => false)) break;
      await sleep(100);
    }
    r.freeze();
    const started = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    child.kill("SIGKILL");
  }
}, 30_000);
