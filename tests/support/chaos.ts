/**
 * Survival experiments: users of the clients people run (the client library, and openai 7 with
 * `reconnect: true`) talk turn after turn through a cluster (tests/support/cluster.ts) while something
 * goes wrong: a rolling restart, a stalled or killed upstream, rotations, a scale-in during long answers.
 * Each user's speech frames are unique; the emulators report every committed utterance by a digest of
 * its speech frames, so the report counts, for the users' side:
 * - sessions lost: a session that ended for good, or came back as another session;
 * - user turns lost: an utterance no upstream received whole, or whose transcript never reached the user;
 * - input frames lost: the speech frames of the utterances that did not arrive whole;
 * - answers cut: turns that never got a completed answer;
 * - resume times: from the connection lost to `proxy.resumed`.
 * The test file runs each small; `npm run chaos` runs them at full size.
 */
import { createHash } from "node:crypto";
import { connect as netConnect } from "node:net";
import { AzureOpenAI } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import { BYTES_PER_SECOND } from "../../contracts";
import { createVoiceClient, wsSocketFactory, type ServerEvent } from "../../packages/client/src";
import { percentile } from "../../service/src/dev/turn";
import { startCluster, type Cluster, type ClusterOptions } from "./cluster";
import { mintToken } from "./stack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VOICE_LIVE_PATH = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime";
const FRAME_MS = 50;
/** openai 7 queues sends while it reconnects only up to this (its default, 0, refuses them): 8 s of audio. */
export const OPENAI_MAX_QUEUE_BYTES = 8 * (BYTES_PER_SECOND * 4) / 3 + 64 * 1024;

export interface User {
  kind: "library" | "openai7";
  name: string;
  events: ServerEvent[];
  send(event: Record<string, unknown> & { type: string }): void;
  sessionIds: Set<string>;
  resumeTimes: number[];
  /** Set when the session ended for good (the client gave up, or was closed by the server for good). */
  ended?: string;
  /** Reconnects attempted (openai 7 spends its lifetime budget on each). */
  reconnects: number;
  /** Answers the client asked for again after a cut. */
  retriedAnswers: number;
  close(): void;
}

async function libraryUser(cluster: Cluster, name: string): Promise<User> {
  const token = await mintToken({ sub: name });
  const client = createVoiceClient({ url: cluster.wsUrl(VOICE_LIVE_PATH), token, reconnect: { maxAttempts: 20 } }, { sockets: wsSocketFactory() });
  let lostAt: number | undefined;
  const user: User = {
    kind: "library", name, events: [], sessionIds: new Set(), resumeTimes: [], reconnects: 0, retriedAnswers: 0,
    send: (event) => void client.send(event),
    close: () => client.close(),
  };
  client.on("event", (event) => user.events.push(event));
  client.on("session", (s) => user.sessionIds.add(s.sessionId));
  client.on("reconnecting", () => {
    user.reconnects++;
    lostAt ??= Date.now();
  });
  client.on("resumed", () => {
    if (lostAt !== undefined) user.resumeTimes.push(Date.now() - lostAt);
    lostAt = undefined;
  });
  client.on("answerRetried", () => user.retriedAnswers++);
  client.on("closed", (c) => {
    if (!c.byClient) user.ended = `${c.code} ${c.reason}`;
  });
  await client.connect();
  return user;
}

/**
 * openai 7.57 with `reconnect: true`, as an application should set it up behind this proxy (the docs say
 * why): `maxQueueBytes` so audio sent while it reconnects is kept, `flushPending()` once reconnected so it
 * is sent, and a `response.create` again when `proxy.resumed` says a failover cut the answer. The proxy's TLS is skipped (the SDK forces wss://).
 */
async function openaiUser(cluster: Cluster, name: string): Promise<User> {
  const token = await mintToken({ sub: name });
  const azure = new AzureOpenAI({ apiKey: token, endpoint: `https://127.0.0.1:${cluster.nginx.port}`, apiVersion: "2025-04-01-preview", deployment: "gpt-realtime" });
  const plain = (options: { host?: string; port?: number | string }) => netConnect({ host: options.host ?? "127.0.0.1", port: Number(options.port) });
  const rt = await OpenAIRealtimeWS.azure(azure, {
    reconnect: true, model: "gpt-realtime", maxQueueBytes: OPENAI_MAX_QUEUE_BYTES, options: { createConnection: plain },
  } as never);
  let lostAt: number | undefined;
  const user: User = {
    kind: "openai7", name, events: [], sessionIds: new Set(), resumeTimes: [], reconnects: 0, retriedAnswers: 0,
    send: (event) => rt.send(event as never),
    close: () => rt.close(),
  };
  rt.on("error", () => undefined);
  rt.on("event", (event) => {
    const e = event as unknown as ServerEvent;
    user.events.push(e);
    if (e.type === "proxy.session") user.sessionIds.add(String(e.session_id));
    if (e.type === "proxy.resumed") {
      if (lostAt !== undefined) user.resumeTimes.push(Date.now() - lostAt);
      lostAt = undefined;
      if (e.response_cut === true) {
        user.retriedAnswers++;
        rt.send({ type: "response.create" } as never);
      }
    }
  });
  // openai 7 keeps what was sent while away but sends it only when asked (its manual queue): at once, so
  // nothing sent after the reconnect overtakes it (the proxy holds it until the session is restored).
  (rt as unknown as { on(type: string, fn: () => void): void }).on("reconnected", () => rt.flushPending());
  (rt as unknown as { on(type: string, fn: (...args: unknown[]) => void): void }).on("reconnecting", () => {
    user.reconnects++;
    lostAt ??= Date.now();
  });
  (rt as unknown as { on(type: string, fn: (...args: unknown[]) => void): void }).on("close", (code: unknown, reason: unknown) => {
    user.ended = `${String(code)} ${String(reason)}`;
  });
  const deadline = Date.now() + 15_000;
  while (!user.events.some((e) => e.type === "session.created")) {
    if (Date.now() > deadline) throw new Error(`openai user ${name}: no session.created`);
    await sleep(20);
  }
  return user;
}

// ---- turns -------------------------------------------------------------------------------------

export type TurnDetection = "manual" | "server_vad";

/** 50 ms of PCM16 that is this user's, this turn's, this frame's alone (non-zero: speech to the emulator's VAD). */
function speechFrame(user: string, turn: number, index: number): string {
  const pcm = Buffer.alloc((BYTES_PER_SECOND * FRAME_MS) / 1000, 0x11);
  createHash("sha1").update(`${user}/${turn}/${index}`).digest().copy(pcm, 0);
  return pcm.toString("base64");
}
const SILENCE = Buffer.alloc((BYTES_PER_SECOND * FRAME_MS) / 1000).toString("base64");

interface TurnRecord {
  user: string;
  digest: string;
  frames: number;
  answered: boolean;
  transcribed: boolean;
  /** The event types the user saw during the turn (runs of deltas folded), for a failure message. */
  trace: string;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

async function turn(user: User, index: number, detection: TurnDetection, speechFrames: number, answerTimeoutMs: number): Promise<TurnRecord> {
  const from = user.events.length;
  const hash = createHash("sha1");
  for (let i = 0; i < speechFrames; i++) {
    const audio = speechFrame(user.name, index, i);
    hash.update(audio);
    user.send({ type: "input_audio_buffer.append", audio });
    await sleep(FRAME_MS);
  }
  if (detection === "manual") {
    user.send({ type: "input_audio_buffer.commit" });
    user.send({ type: "response.create" });
  } else {
    // 600 ms of silence: server VAD (500 ms) ends the utterance and answers it.
    for (let i = 0; i < 12; i++) {
      user.send({ type: "input_audio_buffer.append", audio: SILENCE });
      await sleep(FRAME_MS);
    }
  }
  const since = () => user.events.slice(from);
  const answered = await waitUntil(() => user.ended !== undefined || since().some((e) => e.type === "response.done" && (e.response as { status?: string } | undefined)?.status === "completed"), answerTimeoutMs);
  const transcribed = await waitUntil(() => since().some((e) => e.type === "conversation.item.input_audio_transcription.completed"), answered ? 2_000 : 0);
  return {
    user: user.name, digest: hash.digest("hex"), frames: speechFrames,
    answered: answered && user.ended === undefined, transcribed,
    trace: since().map((e) => e.type).filter((t, i, all) => t !== all[i - 1]).join(" "),
  };
}

// ---- experiments -------------------------------------------------------------------------------

export interface ExperimentSize {
  libraryUsers: number;
  openaiUsers: number;
  /** Turns each user takes at least (more while the disruption lasts). */
  minTurns: number;
}

export interface Report {
  experiment: string;
  users: { library: number; openai7: number };
  sessionsLost: number;
  turns: number;
  userTurnsLost: number;
  inputFramesLost: number;
  answersCut: number;
  answersRetried: number;
  resumes: number;
  resumeP50Ms?: number;
  resumeP95Ms?: number;
  /** The most reconnects any openai 7 user spent (its lifetime budget is 5 by default). */
  openaiReconnectsMax: number;
  durationMs: number;
  /** What went wrong, per user, for a failure message. */
  details: string[];
}

export interface Experiment {
  name: string;
  /** The cluster it runs on when it has one of its own (`npm run chaos`); the tests share CHAOS_CLUSTER. */
  cluster: ClusterOptions;
  /** Answer length (ms) of every emulator for this experiment. */
  answerMs: number;
  /** Answer length once the disruption is over (default: answerMs): the last turn only shows the session still works. */
  answerMsAfter?: number;
  detection: TurnDetection;
  speechFrames?: number;
  answerTimeoutMs?: number;
  /** Pause between a user's turns. */
  pauseMs?: number;
  /** The disruption, run while the users talk. */
  disrupt(cluster: Cluster): Promise<void>;
  /** Why this experiment may lose something (a crash: what was in flight dies with the process); it is measured, not held to zero. */
  lossExpected?: string;
}

/** Runs one experiment on `shared` (left running), or on a cluster of its own (stopped at the end). */
export async function runExperiment(experiment: Experiment, size: ExperimentSize, shared?: Cluster): Promise<Report> {
  const cluster = shared ?? (await startCluster(experiment.cluster));
  for (const e of cluster.emulators) e.configure({ responseAudioMs: experiment.answerMs });
  const started = Date.now();
  const users: User[] = [];
  try {
    const names = (kind: string, n: number) => Array.from({ length: n }, (_, i) => `${experiment.name}-${kind}-${i}-${started}`);
    users.push(...(await Promise.all(names("lib", size.libraryUsers).map((n) => libraryUser(cluster, n)))));
    users.push(...(await Promise.all(names("oai", size.openaiUsers).map((n) => openaiUser(cluster, n)))));
    for (const u of users) u.send({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" }, ...(experiment.detection === "manual" ? { turn_detection: null } : {}) } });
    let disrupted = false;
    // Over when the disruption is, failed or not: the users stop taking turns (a failure is thrown below).
    const disruption = (async () => {
      await sleep(500);
      await experiment.disrupt(cluster);
    })().finally(() => {
      disrupted = true;
      if (experiment.answerMsAfter !== undefined) for (const e of cluster.emulators) e.configure({ responseAudioMs: experiment.answerMsAfter });
    });
    const records = (await Promise.all(users.map(async (user, u) => {
      const mine: TurnRecord[] = [];
      await sleep(u * 37);
      for (let k = 0; (k < size.minTurns || !disrupted) && user.ended === undefined; k++) {
        mine.push(await turn(user, k, experiment.detection, experiment.speechFrames ?? 8, experiment.answerTimeoutMs ?? 30_000));
        await sleep((experiment.pauseMs ?? 150) + Math.floor(Math.random() * 100));
      }
      // One more turn once the disruption is over: the session still works.
      if (user.ended === undefined) mine.push(await turn(user, 10_000, experiment.detection, experiment.speechFrames ?? 8, experiment.answerTimeoutMs ?? 30_000));
      return mine;
    }))).flat();
    await disruption;
    const received = new Set(cluster.emulators.flatMap((e) => e.stats().turns.map((t) => t.digest)));
    const details: string[] = [];
    let userTurnsLost = 0;
    let inputFramesLost = 0;
    let answersCut = 0;
    for (const r of records) {
      const whole = received.has(r.digest);
      if (!whole) inputFramesLost += r.frames;
      if (!whole || !r.transcribed) {
        userTurnsLost++;
        details.push(`${r.user}: turn ${whole ? "not transcribed" : "not received whole"}: ${r.trace}`);
      }
      if (!r.answered) {
        answersCut++;
        details.push(`${r.user}: answer cut`);
      }
    }
    const lost = users.filter((u) => u.ended !== undefined || u.sessionIds.size !== 1);
    // Lost sessions first: the details are cut to 20 lines.
    details.unshift(...lost.map((u) => `${u.name}: session lost (${u.ended ?? `${u.sessionIds.size} sessions`})`));
    const times = users.flatMap((u) => u.resumeTimes);
    return {
      experiment: experiment.name,
      users: { library: size.libraryUsers, openai7: size.openaiUsers },
      sessionsLost: lost.length,
      turns: records.length,
      userTurnsLost,
      inputFramesLost,
      answersCut,
      answersRetried: users.reduce((n, u) => n + u.retriedAnswers, 0),
      resumes: times.length,
      resumeP50Ms: times.length ? percentile(times, 50) : undefined,
      resumeP95Ms: times.length ? percentile(times, 95) : undefined,
      openaiReconnectsMax: Math.max(0, ...users.filter((u) => u.kind === "openai7").map((u) => u.reconnects)),
      durationMs: Date.now() - started,
      details: details.slice(0, 20),
    };
  } finally {
    for (const u of users) u.close();
    await sleep(100);
    if (!shared) await cluster.stop();
  }
}

const EMULATOR = { firstAudioDelayMs: 20, responseAudioMs: 600, chunkMs: 50, serverVad: true };
const ROTATE_EVERY_3_S = { UPSTREAM_ROTATE_MINUTES: "0.05" };

/**
 * One cluster for every experiment of the test file, its proxies in the test's process (starting proxy
 * processes is what takes time on a shared machine; `npm run chaos` uses processes): two upstreams (the
 * second takes over from a faulty first), rotation every 3 s throughout.
 */
export const CHAOS_CLUSTER: ClusterOptions = { instances: 3, inline: true, emulators: [EMULATOR, EMULATOR], env: ROTATE_EVERY_3_S };

/** The experiments (sizes are the caller's). */
export const EXPERIMENTS = {
  /** SIGTERM each instance in turn; the next one 2 s after the previous is back. */
  rollingRestart: (instances = 3): Experiment => ({
    name: "rolling-restart", detection: "manual", answerMs: 600, cluster: { instances, emulators: [EMULATOR] },
    async disrupt(cluster) {
      for (let i = 0; i < cluster.instances.length; i++) {
        const code = await cluster.restart(i);
        if (code !== 0) throw new Error(`instance ${i} exited ${code}: ${cluster.instances[i].log()}`);
        await sleep(2_000);
      }
    },
  }),
  /** The primary upstream goes silent mid-answer (the connection stays open), then recovers. */
  stalledUpstream: (): Experiment => ({
    name: "stalled-upstream", detection: "manual", answerMs: 1500, cluster: { instances: 2, emulators: [EMULATOR, EMULATOR] },
    async disrupt(cluster) {
      cluster.emulators[0].setFaults({ stallOnResponse: true });
      await sleep(8_000);
      cluster.emulators[0].setFaults({ stallOnResponse: false });
    },
  }),
  /** The primary upstream's connections die mid-answer, then it recovers. */
  killedUpstream: (): Experiment => ({
    name: "killed-upstream", detection: "manual", answerMs: 1500, cluster: { instances: 2, emulators: [EMULATOR, EMULATOR] },
    async disrupt(cluster) {
      cluster.emulators[0].setFaults({ dropOnResponse: true });
      await sleep(4_000);
      cluster.emulators[0].setFaults({ dropOnResponse: false });
    },
  }),
  /** Upstream rotation every 3 s while the users talk. */
  rotation: (detection: TurnDetection): Experiment => ({
    name: `rotation-${detection === "manual" ? "manual" : "server-vad"}`, detection, answerMs: 600,
    cluster: { instances: 2, emulators: [EMULATOR], env: ROTATE_EVERY_3_S },
    async disrupt() {
      await sleep(10_000);
    },
  }),
  /** kill -9 of the instance holding most sessions: no drain, its sessions resume on the others with their token. */
  killInstance: (instances = 3): Experiment => ({
    name: "kill-instance", detection: "manual", answerMs: 600, cluster: { instances, emulators: [EMULATOR] },
    lossExpected: "a crash: the audio in flight dies with the process, and openai 7 (no token) finds no detached session to resume",
    async disrupt(cluster) {
      const open = await cluster.sessions();
      await cluster.killInstance(open.indexOf(Math.max(...open)));
      await sleep(3_000);
    },
  }),
  /** redis-server stopped while the users talk and started again empty on the same port 2 s later. */
  redisRestart: (): Experiment => ({
    name: "redis-restart", detection: "manual", answerMs: 600, cluster: { instances: 2, emulators: [EMULATOR] },
    async disrupt(cluster) {
      await cluster.restartRedis(2_000);
      await sleep(6_000); // the heartbeats write back what Redis lost; the users keep talking meanwhile
    },
  }),
  /** redis-server frozen (SIGSTOP: its sockets stay open, nothing answers) for 20 s while the users talk. */
  redisFreeze: (seconds = 20): Experiment => ({
    name: "redis-freeze", detection: "manual", answerMs: 600, cluster: { instances: 2, emulators: [EMULATOR] },
    async disrupt(cluster) {
      cluster.redis.freeze();
      await sleep(seconds * 1000);
      cluster.redis.thaw();
      await sleep(6_000);
    },
  }),
  /** Answers of 15 s; the instance holding the sessions is stopped for good while they stream. */
  scaleIn: (): Experiment => ({
    name: "scale-in", detection: "manual", answerTimeoutMs: 45_000, answerMs: 15_000, answerMsAfter: 600,
    cluster: { instances: 2, emulators: [EMULATOR] },
    async disrupt(cluster) {
      await sleep(1_500); // the first answers are streaming
      const open = await cluster.sessions();
      const victim = open.indexOf(Math.max(...open));
      const code = await cluster.stopInstance(victim);
      if (code !== 0) throw new Error(`the instance drained with exit ${code}: ${cluster.instances[victim].log()}`);
    },
  }),
};

export function formatReport(r: Report): string {
  const resume = r.resumes ? `resume p50 ${r.resumeP50Ms} ms, p95 ${r.resumeP95Ms} ms (${r.resumes})` : "no resumes";
  return `${r.experiment}: ${r.users.library} library + ${r.users.openai7} openai 7 users, ${r.turns} turns in ${(r.durationMs / 1000).toFixed(1)} s; ` +
    `lost: ${r.sessionsLost} sessions, ${r.userTurnsLost} user turns, ${r.inputFramesLost} input frames, ${r.answersCut} answers cut; ` +
    `${r.answersRetried} answers asked again; ${resume}; openai 7 reconnects max ${r.openaiReconnectsMax}` +
    (r.details.length ? `\n  ${r.details.join("\n  ")}` : "");
}
