/**
 * What one hostile user can make Redis hold, and how long one user's state can hold Redis: the attacks on
 * the resume state, run against the local stack (emulator upstream) and the Redis at REDIS_URL (use a
 * scratch server: the bench flushes nothing but leaves its keys). Figures: MEMORY USAGE of the keys,
 * SLOWLOG durations of the commands a resume runs, another client's PING meanwhile.
 *
 *   redis-server --port 6390 --save '' &
 *   REDIS_URL=redis://127.0.0.1:6390 npm run bench:state
 */
import pino from "pino";
import { createClient } from "redis";
import { connectClient, type RecordingClient } from "../dev/client";
import { localUpstreams, startLocalStack } from "../dev/localStack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error("REDIS_URL is required (a scratch redis-server)");
  const stack = await startLocalStack({
    env: { REDIS_URL: url, USER_CONNECTS_PER_MINUTE: "1000" }, logger: pino({ level: "silent" }), emulators: [{ firstAudioDelayMs: 20, responseAudioMs: 200, chunkMs: 50 }],
    // The bench measures the state, not the connection quotas: both are lifted.
    upstreams: (emulators) => (localUpstreams(emulators.map((e) => e.url)) as object[]).map((u) => ({ ...u, connectionsPerMinute: 100_000 })),
  });
  const raw = createClient({ url });
  await raw.connect();
  const prefix = "voice:";
  const mem = async (token: string) =>
    ((await raw.memoryUsage(`${prefix}resume:${token}`, { SAMPLES: 0 })) ?? 0) + ((await raw.memoryUsage(`${prefix}resume:${token}:items`, { SAMPLES: 0 })) ?? 0);
  const open = async (sub: string, query = ""): Promise<{ client: RecordingClient; token: string }> => {
    const client = await connectClient(`${stack.url()}${query}`, { token: await stack.token({ sub, exp: "10m" }) });
    const token = String((await client.waitFor("proxy.session")).resume_token);
    await client.waitFor("session.created");
    return { client, token };
  };
  const figures: Record<string, unknown> = {};
  try {
    // 1. 60 function_call_output items with a 900,000-character call_id, then a resume while another client pings.
    const big = await open("bench-callid");
    for (let i = 0; i < 60; i++) {
      big.client.send({ type: "conversation.item.create", item: { type: "function_call_output", call_id: `${i}`.padEnd(900_000, "x"), output: "1" } });
      await sleep(20);
    }
    await sleep(3000);
    figures.callIdAttackBytes = await mem(big.token);
    figures.callIdAttackRefused = big.client.events.filter((e) => e.type === "error").length;
    big.client.ws.terminate();
    await big.client.closed;
    await sleep(300);
    await raw.configSet({ "slowlog-log-slower-than": "0", "slowlog-max-len": "1000000" });
    await raw.sendCommand(["SLOWLOG", "RESET"]);
    const pinger = raw.duplicate();
    await pinger.connect();
    const pings: number[] = [];
    let pinging = true;
    const loop = (async () => {
      while (pinging) {
        const t = performance.now();
        await pinger.ping();
        pings.push(performance.now() - t);
      }
    })();
    const t0 = performance.now();
    const again = await connectClient(`${stack.url()}&resume=${big.token}`, { token: await stack.token({ sub: "bench-callid", exp: "10m" }) });
    await again.waitFor("proxy.session");
    figures.resumeMs = Math.round(performance.now() - t0);
    await sleep(200);
    pinging = false;
    await loop;
    await pinger.quit();
    const slow = (await raw.sendCommand(["SLOWLOG", "GET", "-1"])) as Array<[number, number, number, string[]]>;
    await raw.configSet({ "slowlog-log-slower-than": "10000", "slowlog-max-len": "128" });
    const timed = slow.filter((e) => String(e[3]?.[0]).toUpperCase() !== "SLOWLOG").sort((a, b) => Number(b[2]) - Number(a[2]));
    figures.longestCommands = timed.slice(0, 3).map((e) => ({ us: Number(e[2]), command: e[3].slice(0, 3).map((a) => String(a).slice(0, 40)).join(" ") }));
    figures.otherClientPingMs = { max: Number(Math.max(...pings).toFixed(1)), p99: Number(p99(pings).toFixed(1)), count: pings.length };
    again.ws.close();

    // 2. One item of 79,000 U+0001 characters (6 bytes each once stored as JSON).
    const esc = await open("bench-escapes");
    esc.client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "a".padEnd(79_000, "\u0001") }] } });
    await sleep(1500);
    figures.escapeAttackBytes = await mem(esc.token);
    esc.client.ws.close();

    // 3. Twenty sessions opened two at a time and dropped (each with a 30,000-character item): detached states kept.
    for (let i = 0; i < 10; i++) {
      const pair = await Promise.all([open("bench-detached"), open("bench-detached")]);
      for (const { client } of pair) {
        client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "z".repeat(30_000) }] } });
        await client.waitFor("conversation.item.created");
      }
      await sleep(50);
      for (const { client } of pair) client.ws.terminate();
      await Promise.all(pair.map(({ client }) => client.closed));
      await sleep(50);
    }
    await sleep(1200);
    let states = 0;
    let detachedBytes = 0;
    for (const key of await raw.keys(`${prefix}resume:*`)) {
      if (key.endsWith(":items") || (await raw.hGet(key, "userId")) !== "bench-detached") continue;
      states++;
      detachedBytes += await mem(key.slice(`${prefix}resume:`.length));
    }
    figures.detachedStates = states;
    figures.detachedBytes = detachedBytes;

    // 4. A session filled to its bounds: a 65,000-character configuration and 10 items of 16,000 "é" (2 bytes each).
    const full = await open("bench-full");
    full.client.send({ type: "session.update", session: { instructions: "i".repeat(65_000) } });
    for (let i = 0; i < 10; i++) full.client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "é".repeat(16_000) }] } });
    await sleep(1500);
    figures.fullSessionBytes = await mem(full.token);
    full.client.ws.close();
  } finally {
    console.log(JSON.stringify(figures, null, 2));
    await raw.quit();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
