/**
 * A realtime client that records everything it receives: the one used by the turn runner (`npm
 * start`'s demo command, the bench) and by the tests. A refused upgrade rejects with its HTTP status
 * and JSON body; waiting for an event fails as soon as the socket closes, not at a timeout.
 */
import { WebSocket, type ClientOptions } from "ws";

export type RealtimeEventRecord = Record<string, unknown> & { type?: unknown };

export interface RecordingClient {
  ws: WebSocket;
  /** Every event received, parsed (an unparsable frame is recorded as `{ type: "(unparsable)" }`). */
  events: RealtimeEventRecord[];
  /** Every frame received, as text. */
  raw: string[];
  closed: Promise<{ code: number; reason: string }>;
  /** The first event of `type` at index `from` or later; rejects on close or after `timeoutMs`. */
  waitFor(type: string, timeoutMs?: number, from?: number): Promise<RealtimeEventRecord>;
  send(event: Record<string, unknown>): void;
  /** Called for each event as it arrives (after it is recorded). */
  onEvent?: (event: RealtimeEventRecord) => void;
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number, readonly body: { error?: { code?: string; message?: string } }) {
    super(`refused at the upgrade: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

export interface ConnectOptions extends ClientOptions {
  /** Sent as `Authorization: Bearer`. */
  token?: string;
}

export function connectClient(url: string, options: ConnectOptions = {}): Promise<RecordingClient> {
  const { token, ...wsOptions } = options;
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...wsOptions.headers };
  const ws = new WebSocket(url, { ...wsOptions, headers });
  const events: RealtimeEventRecord[] = [];
  const raw: string[] = [];
  const listeners = new Set<() => void>();
  let closedWith: { code: number; reason: string } | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => {
    closedWith = { code, reason: reason.toString() };
    resolve(closedWith);
    for (const l of [...listeners]) l();
  }));
  const client: RecordingClient = {
    ws, events, raw, closed,
    waitFor(type, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e, i) => i >= from && e.type === type);
          if (found || closedWith) {
            listeners.delete(check);
            clearTimeout(timer);
            if (found) resolve(found);
            else reject(new Error(`closed (${closedWith!.code} ${closedWith!.reason}) before ${type}; got ${events.slice(from).map((e) => e.type).join(", ")}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${type} within ${timeoutMs} ms; got ${events.slice(from).map((e) => e.type).join(", ")}`));
        }, timeoutMs);
        timer.unref?.();
        listeners.add(check);
        check();
      });
    },
    send: (event) => ws.send(JSON.stringify(event)),
  };
  ws.on("message", (data) => {
    const text = data.toString();
    raw.push(text);
    let event: RealtimeEventRecord;
    try {
      event = JSON.parse(text) as RealtimeEventRecord;
    } catch {
      event = { type: "(unparsable)" };
    }
    events.push(event);
    client.onEvent?.(event);
    for (const l of [...listeners]) l();
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        let parsed: UpgradeRefused["body"] = {};
        try {
          parsed = JSON.parse(body || "{}");
        } catch {
          parsed = { error: { message: body } };
        }
        reject(new UpgradeRefused(res.statusCode ?? 0, parsed));
      });
    });
    ws.once("error", reject);
  });
}

/** The HTTP status and JSON body of a refused upgrade; throws if the upgrade is accepted. */
export async function refusalOf(url: string, options: ConnectOptions = {}): Promise<{ status: number; code: string; message: string }> {
  let client: RecordingClient;
  try {
    client = await connectClient(url, options);
  } catch (error) {
    if (!(error instanceof UpgradeRefused)) throw error;
    return { status: error.status, code: error.body.error?.code ?? "", message: error.body.error?.message ?? "" };
  }
  client.ws.close();
  throw new Error("the upgrade was accepted");
}
