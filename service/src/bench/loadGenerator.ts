/**
 * The clients: N realtime sessions opened through the hop under test (or straight to the peer), each
 * sending `input_audio_buffer.append` at real-time cadence and timestamping the stamped
 * `response.audio.delta` frames it receives. Runs in the bench process, on the generator's core(s).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import WebSocket from "ws";
import { ProxyEvent, RealtimeEvent } from "../../../contracts";
import { Receiver, StreamState, type ReceiverData, type Window } from "./accounting";
import { AudioFrameTemplate, readStamp } from "./audioFrames";
import { CadenceSchedule } from "./cadence";
import { Histogram, type HistogramData } from "./histogram";
import { runSendLoop } from "./sendLoop";

interface ClientSession {
  ws: WebSocket;
  downlink: StreamState;
  open: boolean;
}

export interface OpenResult {
  opened: number;
  /** Reason -> count, for sessions that never reached `session.created`. */
  failures: Record<string, number>;
  elapsedMs: number;
}

export interface GeneratorReport {
  opened: number;
  closedEarly: number;
  /** Close code or error -> count, for sessions the hop or peer ended during the run. */
  closeReasons: Record<string, number>;
  sent: number;
  sentInWindow: number;
  bytesInWindow: number;
  downlink: ReceiverData;
  /** µs from a frame's due time to its write, for frames written inside the window. */
  sendLag: HistogramData;
  /** Node's own event-loop delay during the window (beyond the monitor's interval), µs. */
  loopDelayP99Micros?: number;
}

const LOOP_MONITOR_MS = 10;
const SESSION_UPDATE = JSON.stringify({ type: RealtimeEvent.sessionUpdate, session: { voice: "alloy", instructions: "You are the bench." } });

export class LoadGenerator {
  private readonly sessions: ClientSession[] = [];
  private readonly downlink = new Receiver();
  private readonly sendLag = new Histogram();
  private readonly counts = { sent: 0, sentInWindow: 0, bytesInWindow: 0, closedEarly: 0 };
  private readonly closeReasons: Record<string, number> = {};
  private closing = false;
  private loopDelay?: IntervalHistogram;

  /**
   * Opens `count` sessions, at most `concurrency` handshakes at a time, each given `timeoutMs` to reach
   * `session.created` (the proxy's `proxy.session` comes first and is skipped, like SDKs skip it).
   */
  async open(count: number, url: string, headers: Record<string, string>, options: { concurrency: number; timeoutMs: number }): Promise<OpenResult> {
    const started = performance.now();
    const failures: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        try {
          this.sessions.push(await this.openOne(url, headers, options.timeoutMs));
        } catch (error) {
          const reason = (error as Error).message;
          failures[reason] = (failures[reason] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
    return { opened: this.sessions.length, failures, elapsedMs: performance.now() - started };
  }

  private openOne(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ClientSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: timeoutMs });
      const session: ClientSession = { ws, downlink: new StreamState(), open: false };
      const fail = (reason: string) => {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on("error", () => undefined);
        ws.terminate();
        reject(new Error(reason));
      };
      const timer = setTimeout(() => fail("no session.created in time"), timeoutMs);
      ws.on("unexpected-response", (_req, res) => {
        res.resume();
        fail(`HTTP ${res.statusCode}`);
      });
      ws.on("error", (error) => (session.open ? this.ended(session, error.message) : fail(error.message)));
      ws.on("close", (code) => (session.open ? this.ended(session, `close ${code}`) : fail(`closed ${code} before session.created`)));
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        const frame = data as Buffer;
        if (session.open) {
          const found = readStamp(frame, session.downlink.hint);
          if (found) {
            session.downlink.hint = found.offset;
            this.downlink.onFrame(session.downlink, found.stamp, process.hrtime.bigint());
          }
          return;
        }
        // Before the session opens only control events arrive: proxy.session, then session.created.
        const text = frame.toString("utf8");
        if (text.includes(`"${RealtimeEvent.sessionCreated}"`)) {
          clearTimeout(timer);
          session.open = true;
          ws.send(SESSION_UPDATE);
          resolve(session);
        } else if (!text.includes(`"${ProxyEvent.session}"`) && text.includes(`"${RealtimeEvent.error}"`)) {
          fail(`error event before session.created: ${text.slice(0, 200)}`);
        }
      });
    });
  }

  private ended(session: ClientSession, reason: string): void {
    if (!session.open) return;
    session.open = false;
    if (this.closing) return;
    this.counts.closedEarly++;
    this.closeReasons[reason] = (this.closeReasons[reason] ?? 0) + 1;
  }

  /** Streams uplink audio on every open session for `durationMs`; resolves when the last frame is written. */
  stream(frameMs: number, durationMs: number, window: Window): Promise<void> {
    const template = new AudioFrameTemplate("uplink", frameMs);
    this.downlink.window = window;
    const targets = [...this.sessions];
    const schedule = new CadenceSchedule(targets.length, frameMs, performance.now(), durationMs);
    const loop = runSendLoop(schedule, (index, seq, lagMicros) => {
      const { ws, open } = targets[index];
      if (!open) return;
      const now = process.hrtime.bigint();
      const frame = template.frame(now, seq);
      ws.send(frame, { binary: false });
      this.counts.sent++;
      if (now >= window.startNs && now < window.endNs) {
        this.sendLag.record(lagMicros);
        this.counts.sentInWindow++;
        this.counts.bytesInWindow += frame.length;
      }
    });
    return loop.done;
  }

  /** Starts Node's event-loop delay monitor (called at the window's start). */
  watchLoop(): void {
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_MONITOR_MS });
    this.loopDelay.enable();
  }

  /** Stops the monitor, keeping its figures for the report (called at the window's end). */
  stopWatchingLoop(): void {
    this.loopDelay?.disable();
  }

  /** Downlink frames received so far (to wait for the path to drain). */
  get received(): number {
    return this.downlink.counts.received;
  }

  get sent(): number {
    return this.counts.sent;
  }

  report(): GeneratorReport {
    return {
      opened: this.sessions.length,
      ...this.counts,
      closeReasons: { ...this.closeReasons },
      downlink: this.downlink.toData(),
      sendLag: this.sendLag.toData(),
      // The monitor records the time between its timer's firings: the interval itself is not delay.
      loopDelayP99Micros: this.loopDelay ? Math.max(0, this.loopDelay.percentile(99) / 1000 - LOOP_MONITOR_MS * 1000) : undefined,
    };
  }

  /** Closes every session and waits (bounded) for the close handshakes. */
  async close(timeoutMs = 3000): Promise<void> {
    this.closing = true;
    const closed = this.sessions.map((s) => new Promise<void>((resolve) => {
      if (s.ws.readyState === WebSocket.CLOSED) return resolve();
      s.ws.once("close", () => resolve());
      s.ws.close(1000);
    }));
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, timeoutMs))]);
    for (const s of this.sessions) s.ws.terminate();
  }
}
