/**
 * Sessions that survive (issue 11): three proxy processes behind real nginx sharing a real redis-server,
 * the emulator as upstream. A rolling SIGTERM restart of all three loses no session; kill -9 of one
 * loses none either (they resume elsewhere with their token; the time to resume is reported); openai 7
 * with `reconnect: true` keeps its conversation through a restart (implicit resume); rotation during a
 * streaming response is invisible to the client; a primary that refuses and then dies leaves new and
 * live sessions on the secondary; Redis going away and coming back leaves live sessions talking.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { AzureOpenAI } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import { generate } from "selfsigned";
import { percentile } from "../../service/src/dev/turn";
import { LOCAL_KEY_ENV, localUpstreams } from "../../service/src/dev/localStack";
import { startEmulator, type Emulator } from "../../service/src/emulator";
import { toneChunk } from "../../service/src/emulator/protocol";
import { createRedisState } from "../../service/src/registry/redis";
import type { SharedState } from "../../service/src/registry/types";
import { startNginx, type Nginx } from "../support/nginx";
import { freePort } from "../support/ports";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { resilientSession, type Resilient } from "../support/resilient";
import { connect, mintToken, SECRET, startStack, UPSTREAM_KEY, type TestStack } from "../support/stack";

const root = join(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PATH = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime";

interface Instance {
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

describe("three proxy processes, nginx, redis", () => {
  let redis: RedisServer;
  let emulator: Emulator;
  let nginx: Nginx;
  const instances: Instance[] = [];

  async function spawnInstance(port: number): Promise<Instance> {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "service/src/server/main.ts")], {
      cwd: root,
      env: {
        ...process.env, PORT: String(port), HOST: "127.0.0.1", AUTH_JWT_SECRET: SECRET, REDIS_URL: redis.url,
        UPSTREAMS: JSON.stringify(localUpstreams([emulator.url])), [LOCAL_KEY_ENV]: UPSTREAM_KEY,
        DRAIN_DELAY_SECONDS: "1", MAX_SESSIONS_PER_INSTANCE: "200", MAX_SESSIONS_PER_USER: "2",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
      } catch {
        // not yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`instance on ${port} did not start`);
      await sleep(50);
    }
    return { port, child, exited };
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    emulator = await startEmulator({ apiKey: UPSTREAM_KEY, firstAudioDelayMs: 20, responseAudioMs: 300, chunkMs: 50 });
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    instances.push(...(await Promise.all(ports.map(spawnInstance))));
    nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const i of instances) i.child.kill("SIGKILL");
    await emulator?.close();
    await redis?.stop();
  });

  test("rolling SIGTERM restart of all three: 50 sessions mid-conversation, none lost, each resumed with its conversation", async () => {
    const sessions: Resilient[] = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const s = await resilientSession(() => `ws://127.0.0.1:${nginx.port}${PATH}`, await mintToken({ sub: `roll-${i}` }));
      s.current().send({ type: "session.update", session: { instructions: `Interview ${i}.`, input_audio_transcription: { model: "whisper-1" } } });
      await s.turn();
      return s;
    }));
    const primedBefore = emulator.stats().items.length;
    for (let i = 0; i < instances.length; i++) {
      const old = instances[i];
      old.child.kill("SIGTERM");
      expect(await old.exited).toBe(0);
      instances[i] = await spawnInstance(old.port);
    }
    // Every session was on one of the three (nginx pins by client address): each came back at least once.
    await Promise.all(sessions.map((s) => s.resumed(1, 30_000)));
    for (const s of sessions) await s.turn();
    expect(sessions.map((s) => s.sessionIds.size)).toEqual(Array(50).fill(1)); // 0 lost: the same session everywhere
    expect(sessions.every((s) => s.closes.includes(1012))).toBe(true);
    // Each resume primed a new upstream session with the earlier turn as text (user transcript, reply).
    const primed = emulator.stats().items.slice(primedBefore);
    expect(primed.filter((i) => i.role === "assistant" && i.text === "Thanks, that is helpful.").length).toBeGreaterThanOrEqual(50);
    const times = sessions.flatMap((s) => s.resumeTimes);
    console.log(`rolling restart: ${sessions.length} sessions, ${times.length} resumes, 0 lost; time to resume p50 ${percentile(times, 50)} ms, p95 ${percentile(times, 95)} ms`);
    for (const s of sessions) s.stop();
  }, 120_000);

  test("kill -9 of one instance: its sessions resume on the others with their token", async () => {
    const victim = instances[0];
    const others = instances.slice(1);
    let next = 0;
    const url = (port: number) => `ws://127.0.0.1:${port}${PATH}`;
    // 20 sessions on the victim; when it dies they reconnect to the survivors (as Front Door / nginx would send them).
    const sessions = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      let first = true;
      const s = await resilientSession(() => {
        if (first) {
          first = false;
          return url(victim.port);
        }
        return url(others[next++ % others.length].port);
      }, await mintToken({ sub: `kill-${i}` }));
      s.current().send({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" } } });
      await s.turn();
      return s;
    }));
    victim.child.kill("SIGKILL");
    await victim.exited;
    await Promise.all(sessions.map((s) => s.resumed(1, 30_000)));
    for (const s of sessions) await s.turn();
    expect(sessions.map((s) => s.sessionIds.size)).toEqual(Array(20).fill(1));
    const times = sessions.flatMap((s) => s.resumeTimes);
    console.log(`kill -9: ${sessions.length} sessions resumed elsewhere, 0 lost; time to resume p50 ${percentile(times, 50)} ms, p95 ${percentile(times, 95)} ms`);
    for (const s of sessions) s.stop();
    instances[0] = await spawnInstance(victim.port);
  }, 90_000);
});

describe("in one process", () => {
  let redis: RedisServer;
  const stacks: TestStack[] = [];
  const states: SharedState[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop()));
    await Promise.all(states.splice(0).map((s) => s.close()));
  });
  afterAll(() => redis.stop());

  test("openai 7 with reconnect: true keeps its conversation through a drain and restart (implicit resume)", async () => {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keySize: 2048, notAfterDate: new Date(Date.now() + 3600_000), extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    const port = await freePort();
    const start = async () => {
      const state = await createRedisState(redis.url, { prefix: "oai:" });
      states.push(state);
      const s = await startStack({ env: { PORT: String(port) }, deps: { tls: { key: pems.private, cert: pems.cert }, state } });
      stacks.push(s);
      return s;
    };
    const first = await start();
    const token = await mintToken({ sub: "openai-reconnect" });
    const azure = new AzureOpenAI({ apiKey: token, endpoint: `https://127.0.0.1:${port}`, apiVersion: "2025-04-01-preview", deployment: "gpt-realtime" });
    const rt = await OpenAIRealtimeWS.azure(azure, { reconnect: true, model: "gpt-realtime", options: { ca: pems.cert } } as never);
    const events: Array<{ type: string; [k: string]: unknown }> = [];
    rt.on("error", () => undefined);
    rt.on("event", (event) => events.push(event as never));
    const waitFor = async (type: string, from: number, ms = 15_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = events.slice(from).find((e) => e.type === type);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${type}; got ${events.slice(from).map((e) => e.type).join(",")}`);
        await sleep(20);
      }
    };
    await waitFor("session.created", 0);
    const sessionId = (await waitFor("proxy.session", 0)).session_id;
    rt.send({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" } } as never });
    rt.send({ type: "input_audio_buffer.append", audio: toneChunk(0, 24_000).toString("base64") });
    rt.send({ type: "input_audio_buffer.commit" });
    rt.send({ type: "response.create" });
    await waitFor("response.done", 0);
    // The instance restarts: the SDK sees 1012 and reconnects to the same URL with the same key.
    const mark = events.length;
    stacks.splice(stacks.indexOf(first), 1);
    await first.stop();
    const second = await start();
    expect(await waitFor("proxy.session", mark, 20_000)).toMatchObject({ session_id: sessionId, resume_status: "resumed" });
    await waitFor("proxy.resumed", mark);
    const items = second.emulators[0].stats().items;
    expect(items.map((i) => i.role)).toEqual(["user", "assistant"]);
    rt.send({ type: "input_audio_buffer.append", audio: toneChunk(0, 24_000).toString("base64") });
    rt.send({ type: "input_audio_buffer.commit" });
    rt.send({ type: "response.create" });
    await waitFor("response.done", events.length - 1);
    rt.close();
  }, 60_000);

  test("rotation during a streaming response: no disconnect, no audio frame lost or reordered", async () => {
    const s = await startStack({ emulators: [{ firstAudioDelayMs: 10, responseAudioMs: 1500, chunkMs: 50 }], deps: { limits: { rotateMs: 400 } } });
    stacks.push(s);
    const client = await connect(s.wsUrl(), await mintToken({ sub: "rotating" }));
    await client.waitFor("session.created");
    client.send({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" } } });
    for (let turn = 0; turn < 3; turn++) {
      const from = client.events.length;
      client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(9600).toString("base64") });
      client.send({ type: "input_audio_buffer.commit" });
      client.send({ type: "response.create" });
      await client.waitFor("response.done", 8000, from);
      // The 30 deltas of this response, in order, exactly the emulator's tone.
      const deltas = client.events.slice(from).filter((e) => e.type === "response.audio.delta").map((e) => String(e.delta));
      expect(deltas).toEqual(Array.from({ length: 30 }, (_, k) => toneChunk(k * 1200, 1200).toString("base64")));
    }
    expect(s.proxy.sessions()[0].stats().rotations).toBeGreaterThanOrEqual(2);
    expect(s.emulators[0].stats().connections).toBeGreaterThanOrEqual(3);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(client.events.filter((e) => e.type === "session.created")).toHaveLength(1);
    client.ws.close();
  }, 30_000);

  test("the primary refuses, then dies mid-session: new and live sessions continue on the secondary", async () => {
    const s = await startStack({ emulators: [{}, {}] });
    stacks.push(s);
    const live = await connect(s.wsUrl(), await mintToken({ sub: "live" }));
    await live.waitFor("session.created");
    expect(s.emulators[0].stats().open).toBe(1);
    s.emulators[0].setFaults({ refuse: true });
    const fresh = await connect(s.wsUrl(), await mintToken({ sub: "fresh" }));
    await fresh.waitFor("session.created");
    expect(s.emulators[1].stats().open).toBe(1);
    // The primary dies under the live session.
    await s.emulators[0].close();
    const resumed = await live.waitFor("proxy.resumed", 5000);
    expect(resumed).toMatchObject({ reason: "upstream_failover" });
    for (const c of [live, fresh]) {
      const from = c.events.length;
      c.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(4800).toString("base64") });
      c.send({ type: "input_audio_buffer.commit" });
      c.send({ type: "response.create" });
      await c.waitFor("response.done", 5000, from);
    }
    expect(s.emulators[1].stats().open).toBe(2);
    live.ws.close();
    fresh.ws.close();
  }, 30_000);

  test("Redis stopped for seconds and restarted: live sessions keep talking, new ones are admitted on local limits, counts correct after", async () => {
    const port = await freePort();
    let r = await startRedisServer(port);
    const state = await createRedisState(r.url, { prefix: "out:", ttlSeconds: 2, commandTimeoutMs: 300, coolDownMs: 300 });
    states.push(state);
    const s = await startStack({ env: { MAX_SESSIONS_PER_USER: "2" }, deps: { state, limits: { heartbeatMs: 200 } } });
    stacks.push(s);
    const talk = async (c: Awaited<ReturnType<typeof connect>>) => {
      const from = c.events.length;
      c.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(4800).toString("base64") });
      c.send({ type: "input_audio_buffer.commit" });
      c.send({ type: "response.create" });
      await c.waitFor("response.done", 5000, from);
    };
    const live = await Promise.all([0, 1, 2].map(async (i) => connect(s.wsUrl(), await mintToken({ sub: `out-${i}` }))));
    await Promise.all(live.map((c) => c.waitFor("session.created")));
    await r.stop();
    for (let second = 0; second < 3; second++) {
      await Promise.all(live.map(talk));
      await sleep(500);
    }
    const during = await connect(s.wsUrl(), await mintToken({ sub: "during" }));
    await during.waitFor("session.created");
    r = await startRedisServer(port);
    try {
      const deadline = Date.now() + 10_000;
      while ((await state.registry.activeCount().catch(() => -1)) !== 4 && Date.now() < deadline) await sleep(100);
      expect(await state.registry.activeCount()).toBe(4);
      await Promise.all(live.map(talk));
    } finally {
      for (const c of [...live, during]) c.ws.close();
      await sleep(100);
      await r.stop();
    }
  }, 40_000);
});
