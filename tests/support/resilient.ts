/**
 * A client that does what the protocol asks of a resilient one, for the survival tests: it keeps its
 * resume token, reconnects after 1012/1006/1011/1013 (and after refusals at the upgrade) with backoff,
 * and records every connection's events, every resume, and how long each took.
 */
import { connectClient, type RecordingClient } from "../../service/src/dev/client";

const RECONNECT_CODES = new Set([1001, 1005, 1006, 1011, 1012, 1013]);

export interface Resilient {
  sessionId(): string | undefined;
  /** Milliseconds from losing the connection to `proxy.resumed`, one per resume. */
  resumeTimes: number[];
  connections: number;
  /** Codes of every close seen. */
  closes: number[];
  current(): RecordingClient;
  /** Resolves once `count` resumes happened (rejects after `timeoutMs`). */
  resumed(count: number, timeoutMs?: number): Promise<void>;
  /** One turn (audio, commit, response); retried once on a new connection if the connection drops under it. */
  turn(): Promise<Record<string, unknown>>;
  /** Every session id this client was given (one, unless a resume failed). */
  sessionIds: Set<string>;
  stop(): void;
}

export async function resilientSession(url: () => string, userToken: string, options: { audio?: string; maxAttempts?: number } = {}): Promise<Resilient> {
  const audio = options.audio ?? Buffer.alloc(48_000).toString("base64");
  let resumeToken: string | undefined;
  let client: RecordingClient | undefined;
  let stopped = false;
  let lostAt: number | undefined;
  const waiters: Array<() => void> = [];
  const r: Resilient = {
    sessionId: () => [...r.sessionIds].at(-1),
    resumeTimes: [],
    connections: 0,
    closes: [],
    current: () => client!,
    sessionIds: new Set(),
    resumed(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (r.resumeTimes.length >= count) {
            clearTimeout(timer);
            resolve();
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`${r.resumeTimes.length} of ${count} resumes within ${timeoutMs} ms (closes ${r.closes.join(",")})`)), timeoutMs);
        if (!check()) waiters.push(() => void check());
      });
    },
    async turn() {
      for (let attempt = 0; attempt < 2; attempt++) {
        const c = client!;
        const from = c.events.length;
        try {
          c.send({ type: "input_audio_buffer.append", audio });
          c.send({ type: "input_audio_buffer.commit" });
          c.send({ type: "response.create" });
          return await c.waitFor("response.done", 8000, from);
        } catch (error) {
          if (attempt === 1) throw error;
          // Lost under the turn: wait for the resume, then try again on the new connection.
          if (client === c && c.ws.readyState !== c.ws.OPEN) await r.resumed(r.resumeTimes.length + 1, 30_000);
        }
      }
      throw new Error("unreachable");
    },
    stop() {
      stopped = true;
      client?.ws.close(1000);
    },
  };

  async function open(): Promise<void> {
    const maxAttempts = options.maxAttempts ?? 60;
    for (let attempt = 0; attempt < maxAttempts && !stopped; attempt++) {
      try {
        const target = resumeToken ? `${url()}&resume=${encodeURIComponent(resumeToken)}` : url();
        const c = await connectClient(target, { token: userToken });
        r.connections++;
        client = c;
        c.onEvent = (event) => {
          if (event.type === "proxy.session") {
            resumeToken = String(event.resume_token);
            r.sessionIds.add(String(event.session_id));
          }
          if (event.type === "proxy.resumed" && lostAt !== undefined) {
            r.resumeTimes.push(Date.now() - lostAt);
            lostAt = undefined;
            for (const w of waiters.splice(0)) w();
          }
        };
        for (const event of c.events) c.onEvent(event);
        void c.closed.then(({ code }) => {
          r.closes.push(code);
          if (stopped || client !== c || !RECONNECT_CODES.has(code)) return;
          lostAt ??= Date.now();
          void open();
        });
        return;
      } catch {
        lostAt ??= Date.now();
        await new Promise((res) => setTimeout(res, Math.min(50 * 2 ** Math.min(attempt, 4), 800) * (0.5 + Math.random())));
      }
    }
  }
  await open();
  if (!client) throw new Error("could not connect");
  await client.waitFor("session.created");
  return r;
}
