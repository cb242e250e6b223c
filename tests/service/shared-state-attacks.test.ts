/**
 * A hostile but authenticated user against the shared state, on real sockets with the real proxy and a
 * real redis-server: ids and escapes that carried payloads past a count of characters, a configuration
 * over the bound, detached sessions by the hundred. What Redis holds is measured with MEMORY USAGE.
 */
import { createClient } from "redis";
import { RESUME_STATE_DEFAULTS, resumeStateMaxBytes } from "../../contracts";
import { createRedisState } from "../../service/src/registry/redis";
import type { SharedState } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, startStack, type Client, type TestStack } from "../support/stack";

let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
const stacks: TestStack[] = [];
const states: SharedState[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
  raw = createClient({ url: redis.url });
  await raw.connect();
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(states.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await raw.quit();
  await redis.stop();
});

async function stack(prefix: string): Promise<TestStack> {
  const state = await createRedisState(redis.url, { prefix });
  states.push(state);
  const s = await startStack({ deps: { state, limits: { heartbeatMs: 200 } } });
  stacks.push(s);
  return s;
}

/** Bytes Redis uses for every key of a session's resume state (MEMORY USAGE, all samples). */
async function resumeMemory(prefix: string, token: string): Promise<number> {
  let total = 0;
  for (const key of [`${prefix}resume:${token}`, `${prefix}resume:${token}:items`]) total += (await raw.memoryUsage(key, { SAMPLES: 0 })) ?? 0;
  return total;
}

/** What one session's state may take in Redis: the payload bound plus a little for ids and Redis's own overhead. */
const SESSION_BOUND = resumeStateMaxBytes(RESUME_STATE_DEFAULTS) + 16 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function opened(url: string, sub: string): Promise<{ client: Client; token: string }> {
  const client = await connect(url, await mintToken({ sub }));
  const token = String((await client.waitFor("proxy.session")).resume_token);
  await client.waitFor("session.created");
  return { client, token };
}

test("function_call_output items with a 900,000-character call_id are refused with an error naming the limit; Redis holds nothing of them", async () => {
  const s = await stack("a1:");
  const { client, token } = await opened(s.wsUrl(), "mallory-1");
  for (let i = 0; i < 5; i++) {
    client.send({ type: "conversation.item.create", item: { type: "function_call_output", call_id: `${i}`.padEnd(900_000, "x"), output: "1" } });
  }
  client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "still here" }] } });
  await client.waitFor("conversation.item.created");
  const errors = client.events.filter((e) => e.type === "error");
  expect(errors).toHaveLength(5);
  for (const e of errors) expect((e.error as { code: string; message: string }).message).toContain(`${RESUME_STATE_DEFAULTS.itemMaxBytes}-byte limit (RESUME_ITEM_MAX_BYTES)`);
  // Only the ordinary item reached the upstream and the store.
  expect(s.emulators[0].stats().items.map((i) => i.text)).toEqual(["still here"]);
  await sleep(300);
  expect(await raw.lLen(`a1:resume:${token}:items`)).toBe(1);
  const used = await resumeMemory("a1:", token);
  expect(used).toBeLessThan(SESSION_BOUND);
  if (process.env.REPORT_FIGURES) console.log(`big call_id attack: ${used} bytes in Redis for the session`);
  client.ws.close();
});

test("escapes inside the bound of characters ('\\u0001' is 6 bytes stored): the session's items stay within their bytes in Redis", async () => {
  const s = await stack("a2:");
  const { client, token } = await opened(s.wsUrl(), "mallory-2");
  // 5,000 U+0001 characters: 30,042 bytes stored each, under the per-item bound; 30 of them would be 900 KB.
  for (let i = 0; i < 30; i++) {
    client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: `${i}`.padEnd(5000, "\u0001") }] } });
  }
  await client.waitFor("conversation.item.created", 10_000, 29);
  // Writes past the in-flight bound are written whole by a heartbeat: wait (bounded) until the newest item landed.
  let items = await raw.lRange(`a2:resume:${token}:items`, 0, -1);
  for (const deadline = Date.now() + 10_000; !items.at(-1)?.includes('"text":"29') && Date.now() < deadline; ) {
    await sleep(100);
    items = await raw.lRange(`a2:resume:${token}:items`, 0, -1);
  }
  expect(client.events.filter((e) => e.type === "error")).toEqual([]);
  const bytes = items.reduce((a, i) => a + Buffer.byteLength(i), 0);
  expect(bytes).toBeLessThanOrEqual(RESUME_STATE_DEFAULTS.conversationMaxBytes);
  expect(items.at(-1)).toContain('"text":"29');
  const used = await resumeMemory("a2:", token);
  expect(used).toBeLessThan(SESSION_BOUND);
  if (process.env.REPORT_FIGURES) console.log(`escape attack: ${items.length} items, ${bytes} payload bytes, MEMORY USAGE ${used} bytes`);
  client.ws.close();
});

test("a session.update over the configuration bound is refused with an error naming it; a resume primes the configuration the upstream had", async () => {
  const s = await stack("a3:");
  const { client, token } = await opened(s.wsUrl(), "mallory-3");
  client.send({ type: "session.update", session: { instructions: "Interview for a backend role." } });
  await client.waitFor("session.updated");
  const mark = client.events.length;
  client.send({ type: "session.update", session: { instructions: "y".repeat(70_000) } });
  const error = await client.waitFor("error", 5000, mark);
  expect(error.error).toMatchObject({ code: "session_config_too_large" });
  expect((error.error as { message: string }).message).toContain(`${RESUME_STATE_DEFAULTS.configMaxBytes}-byte limit (RESUME_CONFIG_MAX_BYTES)`);
  await sleep(100);
  expect(client.events.slice(mark).filter((e) => e.type === "session.updated")).toEqual([]);
  client.ws.terminate();
  await client.closed;
  const again = await connect(`${s.wsUrl()}&resume=${token}`, await mintToken({ sub: "mallory-3" }));
  await again.waitFor("proxy.resumed");
  const primed = again.events.find((e) => e.type === "session.created");
  expect(primed).toBeDefined();
  expect(await raw.hGet(`a3:resume:${token}`, "config")).toBe(JSON.stringify({ instructions: "Interview for a backend role." }));
  again.ws.close();
});

test("detached sessions count against the user: opening and dropping sessions in a loop leaves at most the detached bound in Redis", async () => {
  const s = await stack("a4:");
  // Two at a time: with two detached sessions a tokenless connection is ambiguous and opens a new session.
  for (let i = 0; i < 5; i++) {
    const pair = await Promise.all([opened(s.wsUrl(), "mallory-4"), opened(s.wsUrl(), "mallory-4")]);
    for (const { client } of pair) {
      client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "x".repeat(20_000) }] } });
      await client.waitFor("conversation.item.created");
    }
    await sleep(50);
    for (const { client } of pair) client.ws.terminate(); // dropped, not closed: the sessions stay resumable
    await Promise.all(pair.map(({ client }) => client.closed));
    await sleep(50);
  }
  // Ten sessions were opened; MAX_SESSIONS_PER_USER is 2 here, and twice that stay resumable (the last
  // detach may still be in flight: wait for it, boundedly).
  const stateKeys = async () => (await raw.keys("a4:resume:*")).filter((k) => !k.endsWith(":items"));
  for (let waited = 0; (await stateKeys()).length > 4 && waited < 10_000; waited += 100) await sleep(100);
  const states = await stateKeys();
  expect(states).toHaveLength(4);
  let used = 0;
  for (const key of states) used += await resumeMemory("a4:", key.slice("a4:resume:".length));
  expect(used).toBeLessThan(4 * SESSION_BOUND);
  if (process.env.REPORT_FIGURES) console.log(`detached loop: ${states.length} states, ${used} bytes`);
});
