/**
 * Redis losing the shared state under live sessions: restarted empty, or frozen for longer than the
 * registry TTL. Nothing of it is a takeover (no session closes 4001); the state is written again from
 * the live connections; the registry is whole again within a heartbeat or two; the per-user limit holds
 * throughout, and a session admitted on an instance's own limits while Redis was away gives way when it
 * takes its user over the limit.
 */
import { createClient } from "redis";
import { createRedisState } from "../../service/src/registry/redis";
import type { SharedState } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, refusal, startStack, type Client, type TestStack } from "../support/stack";

let redis: RedisServer;
const stacks: TestStack[] = [];
const states: SharedState[] = [];
beforeEach(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(states.splice(0).map((s) => s.close()));
  await redis.stop();
});

/** An instance with a 1 s registry TTL (so a 2.5 s freeze outlives it) and 200 ms heartbeats. */
async function instance(): Promise<TestStack> {
  const state = await createRedisState(redis.url, { prefix: "o:", ttlSeconds: 1, commandTimeoutMs: 200, coolDownMs: 300 });
  states.push(state);
  const s = await startStack({ env: { MAX_SESSIONS_PER_USER: "2" }, deps: { state, limits: { heartbeatMs: 200 } } });
  stacks.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (client: Client, text: string) => client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text }] } });

async function open(s: TestStack, sub: string): Promise<Client & { token: string }> {
  const client = await connect(s.wsUrl(), await mintToken({ sub }));
  const token = String((await client.waitFor("proxy.session")).resume_token);
  await client.waitFor("session.created");
  say(client, `hello from ${sub}`);
  await client.waitFor("conversation.item.created");
  return Object.assign(client, { token });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 8000): Promise<number> {
  const start = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
  return Date.now() - start;
}

async function withRaw<T>(run: (raw: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    return await run(raw);
  } finally {
    await raw.quit();
  }
}

/** Each client sends an item every 50 ms (a talking session writes its conversation all the time). */
async function talkFor(clients: Client[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    for (const c of clients) if (isOpen(c)) say(c, `turn at ${t} ms`);
    await sleep(50);
  }
}

const isOpen = (c: Client) => c.ws.readyState === c.ws.OPEN;

test("Redis restarted empty: no session is closed 4001, the state is written again, and a session admitted during the outage over its user's limit is closed", async () => {
  const a = await instance();
  const b = await instance();
  const s1 = await open(a, "olga");
  const s2 = await open(b, "olga");
  const s3 = await open(a, "pete");
  await redis.stop();
  await sleep(300);
  // Admitted on A's own limits (A holds one of olga's sessions): olga now has 3 with a limit of 2.
  const s4 = await open(a, "olga");
  redis = await startRedisServer(redis.port);
  const restartedAt = Date.now();
  const talking = talkFor([s1, s2, s3], 1500);
  const whole = until("registry and resume state whole again", async () => {
    const count = await a.state.registry.activeCount();
    const kept = await withRaw(async (raw) => Promise.all([s1, s2, s3].map((c) => raw.exists(`o:resume:${c.token}`))));
    return count === 3 && kept.every((k) => k === 1);
  });
  const closed = await s4.closed;
  const closedMs = Date.now() - restartedAt;
  expect(closed.code).toBe(1008);
  expect(s4.events.find((e) => e.type === "error")).toMatchObject({ error: { code: "user_session_limit" } });
  const wholeMs = await whole;
  await talking;
  if (process.env.REPORT_FIGURES) console.log(`restart: registry and state whole ${wholeMs} ms after redis-server started; over-limit session closed after ${closedMs} ms`);
  say(s1, "still talking");
  await s1.waitFor("conversation.item.created", 5000, s1.events.length);
  await sleep(300);
  expect([s1, s2, s3].map(isOpen)).toEqual([true, true, true]);
  expect(await withRaw((raw) => raw.lRange(`o:resume:${s1.token}:items`, 0, -1))).toEqual(expect.arrayContaining([expect.stringContaining("still talking")]));
  expect(await refusal(a.wsUrl(), await mintToken({ sub: "olga" }))).toMatchObject({ status: 429, code: "user_session_limit" });
  for (const c of [s1, s2, s3]) c.ws.close();
});

test("Redis frozen longer than the registry TTL: no session is closed 4001, the registry is whole again and the per-user limit holds", async () => {
  const a = await instance();
  const b = await instance();
  const f1 = await open(a, "quinn");
  const f2 = await open(b, "quinn");
  redis.freeze();
  for (const c of [f1, f2]) say(c, "during the freeze");
  await sleep(2500);
  redis.thaw();
  // Talking on: writes reach a Redis whose keys expired during the freeze, before any heartbeat rewrote them.
  const talking = talkFor([f1, f2], 1500);
  const registryMs = await until("registry whole again", async () => (await a.state.registry.activeCount()) === 2);
  const stateMs = await until("resume state written again", async () => (await withRaw(async (raw) => Promise.all([f1, f2].map((c) => raw.exists(`o:resume:${c.token}`))))).every((k) => k === 1));
  await talking;
  if (process.env.REPORT_FIGURES) console.log(`freeze: registry whole ${registryMs} ms after the thaw, resume state ${registryMs + stateMs} ms`);
  say(f1, "still talking");
  await sleep(500);
  expect([f1, f2].map(isOpen)).toEqual([true, true]);
  expect(await refusal(b.wsUrl(), await mintToken({ sub: "quinn" }))).toMatchObject({ status: 429, code: "user_session_limit" });
  for (const c of [f1, f2]) c.ws.close();
});
