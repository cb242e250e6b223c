/**
 * A region dies mid-conversation (tests/support/regions.ts: its proxies, its Redis and its nginx, all
 * SIGKILLed at once); its users' clients (the client library, reconnecting) come back through the same
 * front and must resume in the other region with their conversation.
 *
 * Each user talks turn after turn: a text note unique to the user and turn (a conversation item the proxy
 * keeps for resume), then an utterance, then an answer. What the report counts:
 * - sessions lost: a user whose session ended, came back as another session, or never resumed;
 * - resume time: from the client's first reconnect after the kill to `proxy.resumed`;
 * - turns lost: notes the upstream had acknowledged to the client before the kill that are missing from
 *   what region B's upstream was given when the session resumed there (the emulator records every item
 *   a session is primed with): the conversation lost with the region;
 * - RPO observed: the age at the kill of the oldest such lost note (0 when none was lost);
 * - replication lag: from the client sending a note to the note being in region B's Redis (watched with
 *   keyspace notifications), for notes sent before the kill.
 */
import { createClient } from "redis";
import { BYTES_PER_SECOND } from "../../contracts";
import { createVoiceClient, wsSocketFactory, type ServerEvent } from "../../packages/client/src";
import { percentile } from "../../service/src/dev/turn";
import { startRegions, type Regions, type RegionsOptions } from "./regions";
import { mintToken } from "./stack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PATH = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime";
const FRAME_MS = 50;
const SPEECH = Buffer.alloc((BYTES_PER_SECOND * FRAME_MS) / 1000, 0x11).toString("base64");
const NOTE = /^note (\S+) (\d+)$/;

export interface FailoverSize {
  sessions: number;
  /** Turns each user completes before the kill (at least). */
  turnsBeforeKill: number;
  /** Turns each user completes after resuming. */
  turnsAfter: number;
}

export interface FailoverReport {
  sessions: number;
  replication: boolean;
  copyIntervalMs?: number;
  sessionsLost: number;
  resumedInB: number;
  resumes: number;
  resumeP50Ms?: number;
  resumeP95Ms?: number;
  /** Notes acknowledged before the kill. */
  notesBeforeKill: number;
  turnsLost: number;
  rpoObservedMs: number;
  /** Notes sent before the kill whose acknowledgement had not arrived when the region died. */
  inFlightAtKill: number;
  lagSamples: number;
  lagP50Ms?: number;
  lagP95Ms?: number;
  answersPrimedInB: number;
  /** What the clients' reconnect attempts after the kill met (a close code, or the HTTP status of a refused upgrade), and how often. */
  reconnectCauses: Record<string, number>;
  /** Resumes before the kill (the machine's load alone); 0 expected. */
  resumesBeforeKill: number;
  durationMs: number;
  details: string[];
}

interface Note {
  sentAt: number;
  ackAt?: number;
}

interface UserRun {
  name: string;
  sessionIds: Set<string>;
  notes: Map<number, Note>;
  turnsDone: number;
  /** The connection lost and not yet back: since when. */
  lostAt?: number;
  resumes: Array<{ lostAt: number; resumedAt: number }>;
  /** Why each attempt after a loss failed (close code / HTTP status), for the report. */
  retryCauses: string[];
  resumedAfterKill: boolean;
  newConversation: boolean;
  ended?: string;
  client: ReturnType<typeof createVoiceClient>;
  events: ServerEvent[];
}

const itemText = (event: ServerEvent): string | undefined => {
  const item = event.item as { content?: Array<{ text?: string }> } | undefined;
  const text = item?.content?.map((c) => c.text ?? "").join(" ");
  return text || undefined;
};

async function startUser(regions: Regions, name: string, kill: { at?: number }): Promise<UserRun> {
  const token = await mintToken({ sub: name });
  const client = createVoiceClient({ url: regions.wsUrl(PATH), token, reconnect: { maxAttempts: 30, maxDelayMs: 2_000 } }, { sockets: wsSocketFactory() });
  const user: UserRun = { name, sessionIds: new Set(), notes: new Map(), turnsDone: 0, resumes: [], retryCauses: [], resumedAfterKill: false, newConversation: false, client, events: [] };
  client.on("event", (event) => {
    user.events.push(event);
    if (user.events.length > 400) user.events.splice(0, 200);
    if (event.type === "conversation.item.created" || event.type === "conversation.item.added") {
      const match = NOTE.exec(itemText(event) ?? "");
      if (match && match[1] === name) {
        const note = user.notes.get(Number(match[2]));
        if (note && note.ackAt === undefined) note.ackAt = Date.now();
      }
    }
  });
  client.on("session", (s) => user.sessionIds.add(s.sessionId));
  client.on("reconnecting", (r) => {
    user.lostAt ??= Date.now();
    if (kill.at !== undefined) user.retryCauses.push(r.httpStatus ? `http ${r.httpStatus}` : `close ${r.code}`);
  });
  client.on("resumed", () => {
    const now = Date.now();
    if (user.lostAt !== undefined) user.resumes.push({ lostAt: user.lostAt, resumedAt: now });
    if (kill.at !== undefined && now > kill.at) user.resumedAfterKill = true;
  });
  client.on("ready", (r) => {
    user.lostAt = undefined;
    if (r.reconnected && !r.resumed) user.newConversation = true;
  });
  client.on("closed", (c) => {
    if (!c.byClient) user.ended = `${c.code} ${c.reason}`;
  });
  await client.connect();
  client.send({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" }, turn_detection: null } });
  return user;
}

async function turn(user: UserRun, k: number, answerTimeoutMs: number): Promise<boolean> {
  user.notes.set(k, { sentAt: Date.now() });
  user.client.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: `note ${user.name} ${k}` }] } });
  for (let i = 0; i < 6; i++) {
    user.client.send({ type: "input_audio_buffer.append", audio: SPEECH });
    await sleep(FRAME_MS);
  }
  const from = user.events.length;
  user.client.send({ type: "input_audio_buffer.commit" });
  user.client.send({ type: "response.create" });
  const deadline = Date.now() + answerTimeoutMs;
  for (;;) {
    const since = user.events.slice(Math.min(from, user.events.length));
    if (since.some((e) => e.type === "response.done" && (e.response as { status?: string } | undefined)?.status === "completed")) return true;
    if (user.ended !== undefined || Date.now() > deadline) return false;
    await sleep(25);
  }
}

/** Watches region B's Redis: when each note first appears in a session's item list there. */
async function watchArrivals(url: string): Promise<{ firstSeen: Map<string, number>; stop(): Promise<void> }> {
  const firstSeen = new Map<string, number>();
  const sub = createClient({ url });
  const reader = createClient({ url });
  for (const c of [sub, reader]) c.on("error", () => undefined);
  await Promise.all([sub.connect(), reader.connect()]);
  const pending = new Map<string, number>();
  let reading = false;
  const drain = async () => {
    if (reading) return;
    reading = true;
    while (pending.size > 0) {
      const batch = [...pending];
      pending.clear();
      await Promise.all(batch.map(async ([key, at]) => {
        const items = await reader.lRange(key, 0, -1).catch(() => [] as string[]);
        for (const raw of items) {
          try {
            const match = NOTE.exec((JSON.parse(raw) as { text?: string }).text ?? "");
            if (match && !firstSeen.has(`${match[1]} ${match[2]}`)) firstSeen.set(`${match[1]} ${match[2]}`, at);
          } catch {
            // not an item of ours
          }
        }
      }));
    }
    reading = false;
  };
  await sub.pSubscribe("__keyspace@0__:voice:resume:*:items", (message, channel) => {
    if (message !== "rpush") return;
    const key = channel.slice("__keyspace@0__:".length);
    if (!pending.has(key)) pending.set(key, Date.now());
    void drain();
  });
  return {
    firstSeen,
    async stop() {
      await sub.disconnect().catch(() => undefined);
      await reader.disconnect().catch(() => undefined);
    },
  };
}

export async function runRegionFailover(size: FailoverSize, options: RegionsOptions = {}, log: (line: string) => void = () => undefined): Promise<FailoverReport> {
  const started = Date.now();
  const regions = await startRegions(options);
  log(`regions up in ${Date.now() - started} ms (${options.inline ? "in-process proxies" : "proxy processes"})`);
  const arrivals = await watchArrivals(regions.b.redis.url);
  const users: UserRun[] = [];
  try {
    const names = Array.from({ length: size.sessions }, (_, i) => `u${i}-${started}`);
    const kill: { at?: number } = {};
    for (let i = 0; i < names.length; i += 20) users.push(...(await Promise.all(names.slice(i, i + 20).map((n) => startUser(regions, n, kill)))));
    let killAt = 0;
    let killed = false;
    const answerTimeoutMs = 30_000;
    const runs = users.map(async (user, u) => {
      await sleep((u * 53) % 400);
      let k = 0;
      // Before the kill: talk until every user has had its turns and the kill came.
      while (!killed || user.turnsDone < size.turnsBeforeKill) {
        if (await turn(user, k++, answerTimeoutMs)) user.turnsDone++;
        if (user.ended) return;
        await sleep(100 + ((u * 17 + k * 31) % 150));
      }
      // After: until resumed and a few more answers.
      let after = 0;
      for (let tries = 0; after < size.turnsAfter && tries < size.turnsAfter + 6 && !user.ended; tries++) {
        if (await turn(user, k++, answerTimeoutMs) && user.resumedAfterKill) after++;
        await sleep(100);
      }
    });
    // The kill: once every user has completed its turns before it (the answers keep streaming meanwhile).
    const waitStart = Date.now();
    while (users.some((u) => u.turnsDone < size.turnsBeforeKill && !u.ended) && Date.now() - waitStart < 60_000) await sleep(50);
    const beforeKill = await regions.a.sessions();
    log(`killing region A (sessions on its proxies: ${beforeKill.join(" + ")})`);
    killAt = Date.now();
    kill.at = killAt;
    killed = true;
    await regions.a.kill();
    await Promise.all(runs);
    // What region B's upstream was given when each session resumed there.
    const primed = regions.b.emulator.stats().items;
    const inB = new Set<string>();
    for (const item of primed) {
      const match = NOTE.exec(item.text);
      if (match) inB.add(`${match[1]} ${match[2]}`);
    }
    const bSessions = await regions.b.sessions();
    const details: string[] = [];
    let turnsLost = 0;
    let notesBeforeKill = 0;
    let inFlightAtKill = 0;
    let rpo = 0;
    const lags: number[] = [];
    for (const user of users) {
      for (const [k, note] of user.notes) {
        if (note.sentAt >= killAt) continue;
        const key = `${user.name} ${k}`;
        const seen = arrivals.firstSeen.get(key);
        if (seen !== undefined && seen < killAt) lags.push(seen - note.sentAt);
        if (note.ackAt === undefined || note.ackAt >= killAt) {
          inFlightAtKill++;
          continue;
        }
        notesBeforeKill++;
        if (!inB.has(key)) {
          turnsLost++;
          rpo = Math.max(rpo, killAt - note.sentAt);
          if (details.length < 10) details.push(`${user.name}: note ${k} (sent ${killAt - note.sentAt} ms before the kill) missing in region B`);
        }
      }
    }
    const lost = users.filter((u) => u.ended !== undefined || u.sessionIds.size !== 1 || !u.resumedAfterKill || u.newConversation);
    for (const u of lost.slice(0, 10).reverse()) {
      details.unshift(`${u.name}: session lost (${u.ended ?? (u.newConversation ? "a new conversation after the reconnect" : u.resumedAfterKill ? `${u.sessionIds.size} sessions` : "never resumed")})`);
    }
    // The resume after the kill: from the connection lost (at the kill) to `proxy.resumed`.
    const times = users.flatMap((u) => u.resumes.filter((r) => r.lostAt >= killAt - 1000 && r.resumedAt > killAt).slice(0, 1).map((r) => r.resumedAt - r.lostAt));
    const causes = new Map<string, number>();
    for (const u of users) for (const c of u.retryCauses) causes.set(c, (causes.get(c) ?? 0) + 1);
    const earlyResumes = users.reduce((n, u) => n + u.resumes.filter((r) => r.resumedAt <= killAt).length, 0);
    return {
      sessions: size.sessions,
      replication: options.replication !== false,
      copyIntervalMs: options.copyIntervalMs,
      sessionsLost: lost.length,
      resumedInB: bSessions.reduce((a, n) => a + n, 0),
      resumes: times.length,
      resumeP50Ms: times.length ? percentile(times, 50) : undefined,
      resumeP95Ms: times.length ? percentile(times, 95) : undefined,
      notesBeforeKill,
      turnsLost,
      rpoObservedMs: rpo,
      inFlightAtKill,
      lagSamples: lags.length,
      lagP50Ms: lags.length ? percentile(lags, 50) : undefined,
      lagP95Ms: lags.length ? percentile(lags, 95) : undefined,
      answersPrimedInB: primed.filter((i) => i.role === "assistant").length,
      reconnectCauses: Object.fromEntries(causes),
      resumesBeforeKill: earlyResumes,
      durationMs: Date.now() - started,
      details,
    };
  } finally {
    for (const u of users) u.client.close();
    await sleep(100);
    await arrivals.stop();
    await regions.stop();
  }
}

export function formatFailoverReport(r: FailoverReport): string {
  const ms = (v?: number) => (v === undefined ? "-" : `${v} ms`);
  return [
    `region failover: ${r.sessions} sessions, replication ${r.replication ? `on (copy interval ${r.copyIntervalMs ?? 250} ms)` : "OFF"}, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  sessions lost:        ${r.sessionsLost} (open in region B afterwards: ${r.resumedInB})`,
    `  resume:               p50 ${ms(r.resumeP50Ms)}, p95 ${ms(r.resumeP95Ms)} (${r.resumes} resumes)`,
    `  turns lost:           ${r.turnsLost} of ${r.notesBeforeKill} acknowledged before the kill (${r.inFlightAtKill} more were in flight)`,
    `  RPO observed:         ${r.rpoObservedMs} ms (age at the kill of the oldest acknowledged turn missing in region B)`,
    `  replication lag:      p50 ${ms(r.lagP50Ms)}, p95 ${ms(r.lagP95Ms)} (${r.lagSamples} notes, client send to present in region B's Redis)`,
    `  answers primed in B:  ${r.answersPrimedInB}`,
    `  reconnect attempts:   ${Object.entries(r.reconnectCauses).map(([c, n]) => `${c} x${n}`).join(", ") || "-"}; resumes before the kill: ${r.resumesBeforeKill}`,
    ...r.details.map((d) => `  ${d}`),
  ].join("\n");
}
