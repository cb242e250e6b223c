/**
 * Resume on real sockets: with its token on the same or another instance (Redis), implicitly after a
 * drain, never for another user, the latest connection taking the session over, nothing resumable after
 * a normal close, and no audio in the shared state.
 */
import { createClient } from "redis";
import { createRedisState } from "../../service/src/registry/redis";
import type { SharedState } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, refusal, startStack, type Client, type TestStack } from "../support/stack";

const stacks: TestStack[] = [];
const states: SharedState[] = [];
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(states.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await redis.stop();
});

async function stack(prefix?: string, env: Record<string, string> = {}): Promise<TestStack> {
  const state = prefix ? await createRedisState(redis.url, { prefix }) : undefined;
  if (state) states.push(state);
  const s = await startStack({ env, deps: { ...(state ? { state } : {}), limits: { heartbeatMs: 200 } } });
  stacks.push(s);
  return s;
}

const AUDIO = Buffer.alloc(48_000, 7).toString("base64"); // one second; its base64 is easy to look for

/** session.update with input transcription, then one spoken turn; resolves after response.done. */
async function talk(client: Client, turns = 1): Promise<void> {
  if (!client.events.some((e) => e.type === "session.updated")) {
    client.send({ type: "session.update", session: { instructions: "Interview for a backend role.", input_audio_transcription: { model: "whisper-1" } } });
  }
  for (let i = 0; i < turns; i++) {
    const mark = client.events.length;
    client.send({ type: "input_audio_buffer.append", audio: AUDIO });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    await client.waitFor("response.done", 5000, mark);
  }
}

const tokenOf = async (client: Client) => String((await client.waitFor("proxy.session")).resume_token);

test("a dropped connection resumes with its token: same session, the conversation primed as text, then the next turn", async () => {
  const s = await stack();
  const token = await mintToken({ sub: "cand-1" });
  const first = await connect(s.wsUrl(), token);
  const session = await first.waitFor("proxy.session");
  await first.waitFor("session.created");
  await talk(first);
  first.ws.terminate();
  await first.closed;

  const again = await connect(`${s.wsUrl()}&resume=${encodeURIComponent(String(session.resume_token))}`, token);
  expect(await again.waitFor("proxy.session")).toMatchObject({ session_id: session.session_id, resume_status: "resumed" });
  await again.waitFor("session.created");
  expect(await again.waitFor("proxy.resumed")).toMatchObject({ session_id: session.session_id, resumed_items: 2 });
  // The new upstream session received the earlier turn as text before anything else.
  const items = s.emulators[0].stats().items;
  expect(items.map((i) => [i.role, i.text])).toEqual([["user", expect.stringMatching(/^This is my answer number 1/)], ["assistant", "Thanks, that is helpful."]]);
  await talk(again);
  expect(again.events.filter((e) => e.type === "session.created")).toHaveLength(1);
  again.ws.close();
});

test("resume on another instance through Redis, and the latest connection takes the session over (4001 for the old one)", async () => {
  const a = await stack("r1:");
  const b = await stack("r1:");
  const token = await mintToken({ sub: "cand-2" });
  const onA = await connect(a.wsUrl(), token);
  const resumeToken = await tokenOf(onA);
  await onA.waitFor("session.created");
  await talk(onA);
  // The same client comes back on B while its old socket on A still looks open (a half-open network).
  const onB = await connect(`${b.wsUrl()}&resume=${resumeToken}`, token);
  expect(await onB.waitFor("proxy.session")).toMatchObject({ resume_status: "resumed" });
  await onB.waitFor("proxy.resumed");
  expect(await onA.closed).toMatchObject({ code: 4001 });
  await talk(onB);
  // One session, one slot: the user's limit (2) still has room for a second interview.
  const second = await connect(a.wsUrl(), token);
  await second.waitFor("session.created");
  second.ws.close(1000);
  onB.ws.close(1000);
  await Promise.all([second.closed, onB.closed]);
  // A has stopped heartbeating the session B took over: once both ended, nothing is left (no ghost slot).
  await new Promise((r) => setTimeout(r, 700));
  expect(await states[0].registry.activeCount()).toBe(0);
});

test("a token is its user's only, and a normally closed session cannot be resumed", async () => {
  const s = await stack();
  const owner = await mintToken({ sub: "cand-3" });
  const first = await connect(s.wsUrl(), owner);
  const resumeToken = await tokenOf(first);
  await first.waitFor("session.created");
  first.ws.terminate();
  await first.closed;
  const thief = await connect(`${s.wsUrl()}&resume=${resumeToken}`, await mintToken({ sub: "someone-else" }));
  expect(await thief.waitFor("proxy.session")).toMatchObject({ resume_status: "not_resumable" });
  thief.ws.close();
  // The owner still can; then a normal close ends it for good.
  const back = await connect(`${s.wsUrl()}&resume=${resumeToken}`, owner);
  expect(await back.waitFor("proxy.session")).toMatchObject({ resume_status: "resumed" });
  back.ws.close(1000);
  await back.closed;
  await new Promise((r) => setTimeout(r, 50));
  const late = await connect(`${s.wsUrl()}&resume=${resumeToken}`, owner);
  expect(await late.waitFor("proxy.session")).toMatchObject({ resume_status: "not_resumable" });
  late.ws.close();
});

test("implicit resume after a drain (a client that reconnects by itself, without a token); two candidates are ambiguous", async () => {
  const a = await stack("r2:");
  const b = await stack("r2:");
  const token = await mintToken({ sub: "cand-4" });
  const client = await connect(a.wsUrl(), token);
  const session = await client.waitFor("proxy.session");
  await client.waitFor("session.created");
  await talk(client);
  await a.proxy.drain();
  expect(await client.closed).toMatchObject({ code: 1012 });
  expect(client.events.find((e) => e.type === "proxy.reconnect")).toMatchObject({ session_id: session.session_id, resume_token: session.resume_token });
  // What openai 7 does with reconnect: true: the same URL and credentials, no token.
  const back = await connect(b.wsUrl(), token);
  expect(await back.waitFor("proxy.session")).toMatchObject({ session_id: session.session_id, resume_status: "resumed" });
  await back.waitFor("proxy.resumed");
  await talk(back);
  back.ws.terminate();
  // Two detached sessions of the same user on the same route: which one a tokenless client means cannot be known.
  const other = await connect(b.wsUrl(), await mintToken({ sub: "cand-4b" }));
  const another = await connect(b.wsUrl(), await mintToken({ sub: "cand-4b" }));
  await Promise.all([other.waitFor("session.created"), another.waitFor("session.created")]);
  other.ws.terminate();
  another.ws.terminate();
  await Promise.all([back.closed, other.closed, another.closed]);
  await new Promise((r) => setTimeout(r, 100));
  const fourth = await connect(b.wsUrl(), await mintToken({ sub: "cand-4b" }));
  expect(await fourth.waitFor("proxy.session")).toMatchObject({ resume_status: "ambiguous" });
  fourth.ws.close();
});

test("no audio reaches the shared state: Redis after sessions with audio holds text only", async () => {
  const s = await stack("r3:");
  const token = await mintToken({ sub: "cand-5" });
  const client = await connect(s.wsUrl(), token);
  await client.waitFor("session.created");
  await talk(client, 2);
  client.ws.terminate();
  await client.closed;
  await new Promise((r) => setTimeout(r, 100));
  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    const keys = await raw.keys("r3:*");
    expect(keys.some((k) => k.startsWith("r3:resume:"))).toBe(true);
    let dump = "";
    for (const key of keys) {
      const type = await raw.type(key);
      if (type === "hash") dump += JSON.stringify(await raw.hGetAll(key));
      else if (type === "list") dump += JSON.stringify(await raw.lRange(key, 0, -1));
      else if (type === "zset") dump += JSON.stringify(await raw.zRange(key, 0, -1));
      else if (type === "string") dump += await raw.get(key);
    }
    expect(dump).toContain("This is my answer number 1");
    expect(dump).not.toContain(AUDIO.slice(0, 64));
    expect(dump).not.toMatch(/[A-Za-z0-9+/]{200,}/); // no base64 blob of any kind
  } finally {
    await raw.quit();
  }
});

test("the upgrade still refuses what it refused: a resume token does not bypass authentication", async () => {
  const s = await stack();
  expect(await refusal(`${s.wsUrl()}&resume=anything`)).toMatchObject({ status: 401, code: "token_missing" });
});

test("a client flooding conversation items does not flood Redis: writes in flight are bounded, the state is whole again after a heartbeat", async () => {
  const s = await stack("r4:");
  const token = await mintToken({ sub: "flooder" });
  const client = await connect(s.wsUrl(), token);
  const resumeToken = await tokenOf(client);
  await client.waitFor("session.created");
  for (let i = 0; i < 2000; i++) client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: `note ${i}` }] } });
  await client.waitFor("conversation.item.created", 5000, 1999);
  await new Promise((r) => setTimeout(r, 600)); // a heartbeat writes the missed items whole
  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    const items = await raw.lRange(`r4:resume:${resumeToken}:items`, 0, -1);
    expect(items).toHaveLength(400); // the conversation's bound: the last 400 items
    expect(items.at(-1)).toContain("note 1999");
  } finally {
    await raw.quit();
  }
  client.ws.close();
});
