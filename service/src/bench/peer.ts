/**
 * The bench's upstream: a child process that speaks as much of the realtime protocol as the proxy
 * (or nginx, or a client connecting directly) needs to carry a session: the upgrade on
 * /voice-live/realtime with `api-version` and `model`, the `api-key` check, `session.created` first,
 * `session.updated` for a `session.update`; then, when the bench says so, `response.audio.delta` at
 * real-time cadence on every open session (stamped, see audioFrames.ts) with a `response.done` carrying
 * usage at each turn boundary, while it timestamps and counts the client's stamped audio.
 *
 * Not the emulator: the emulator parses every event and answers turns; this one must cost as little
 * as possible per frame, because it shares a core with the load generator.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { ClientPath, RealtimeEvent } from "../../../contracts";
import { Receiver, StreamState, type Window } from "./accounting";
import { AudioFrameTemplate, readStamp } from "./audioFrames";
import { CadenceSchedule } from "./cadence";
import { Histogram } from "./histogram";
import { PEER_KEY_ENV, PEER_TLS_CERT_ENV, PEER_TLS_KEY_ENV, type FromPeer, type PeerReport, type ToPeer } from "./ipc";
import { runSendLoop } from "./sendLoop";

interface PeerSession {
  ws: WebSocket;
  uplink: StreamState;
}

const send = (message: FromPeer) => process.send?.(message);

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function sessionCreated(model: string): string {
  return JSON.stringify({
    type: RealtimeEvent.sessionCreated,
    event_id: "event_bench_created",
    session: {
      id: `sess_bench_${Math.random().toString(36).slice(2, 12)}`, object: "realtime.session", model,
      modalities: ["audio", "text"], voice: "alloy", input_audio_format: "pcm16", output_audio_format: "pcm16",
      turn_detection: { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
    },
  });
}

/** What the proxy meters per turn: a response.done with a complete usage object. */
function responseDone(turn: number, audioSeconds: number): string {
  const audioTokens = Math.round(audioSeconds * 10);
  return JSON.stringify({
    type: RealtimeEvent.responseDone,
    event_id: `event_bench_done_${turn}`,
    response: {
      id: `resp_bench_${turn}`, object: "realtime.response", status: "completed", output: [],
      usage: {
        total_tokens: 2 * audioTokens + 20, input_tokens: audioTokens + 20, output_tokens: audioTokens,
        input_token_details: { text_tokens: 20, audio_tokens: audioTokens, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0 } },
        output_token_details: { text_tokens: 0, audio_tokens: audioTokens },
      },
    },
  });
}

function main(): void {
  const apiKey = process.env[PEER_KEY_ENV];
  if (!apiKey) throw new Error(`${PEER_KEY_ENV} is required`);
  const sessions = new Set<PeerSession>();
  const uplink = new Receiver();
  const sendLag = new Histogram();
  const counts = { accepted: 0, closedEarly: 0, refused: 0, sent: 0, sentInWindow: 0, bytesInWindow: 0 };
  let streaming = false;
  let closing = false;

  const onRequest: RequestListener = (_req, res) => {
    res.writeHead(426, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "upgrade_required" } }));
  };
  // With a certificate the peer is a TLS endpoint, as Azure is: the proxy's upstream leg then encrypts.
  const certFile = process.env[PEER_TLS_CERT_ENV];
  const keyFile = process.env[PEER_TLS_KEY_ENV];
  const server = certFile && keyFile
    ? createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, onRequest)
    : createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://peer");
    const model = url.searchParams.get("model");
    const presented = req.headers["api-key"] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const refusal: [number, string, string] | undefined = url.pathname !== ClientPath.voiceLive ? [404, "not_found", `no realtime endpoint at ${url.pathname}`]
      : !url.searchParams.get("api-version") || !model ? [400, "missing_parameter", "api-version and model are required"]
      : presented !== apiKey ? [401, "unauthorized", "missing or wrong api key"]
      : undefined;
    if (refusal || !model) {
      counts.refused++;
      const [status, code, message] = refusal ?? [400, "missing_parameter", "model is required"];
      return refuse(socket, status, code, message);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      counts.accepted++;
      const session: PeerSession = { ws, uplink: new StreamState() };
      sessions.add(session);
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        const frame = data as Buffer;
        const found = readStamp(frame, session.uplink.hint);
        if (found) {
          session.uplink.hint = found.offset;
          uplink.onFrame(session.uplink, found.stamp, process.hrtime.bigint());
        } else if (frame.includes(`"${RealtimeEvent.sessionUpdate}"`)) {
          ws.send(JSON.stringify({ type: RealtimeEvent.sessionUpdated, event_id: "event_bench_updated", session: {} }));
        }
      });
      ws.on("close", () => {
        if (!closing) counts.closedEarly++;
        sessions.delete(session);
      });
      ws.on("error", () => undefined);
      ws.send(sessionCreated(model));
    });
  });

  function stream(frameMs: number, durationMs: number, window: Window, turnMs: number): void {
    const targets = [...sessions];
    const template = new AudioFrameTemplate("downlink", frameMs);
    const framesPerTurn = Math.max(1, Math.round(turnMs / frameMs));
    uplink.window = window;
    streaming = true;
    const schedule = new CadenceSchedule(targets.length, frameMs, performance.now(), durationMs);
    const loop = runSendLoop(schedule, (index, seq, lagMicros) => {
      const { ws } = targets[index];
      if (ws.readyState !== ws.OPEN) return;
      if (seq > 0 && seq % framesPerTurn === 0) {
        const turn = seq / framesPerTurn;
        ws.send(responseDone(turn, turnMs / 1000));
        ws.send(JSON.stringify({ type: RealtimeEvent.responseCreated, event_id: `event_bench_created_${turn}`, response: { id: `resp_bench_${turn + 1}`, object: "realtime.response", status: "in_progress", output: [] } }));
      }
      const now = process.hrtime.bigint();
      const frame = template.frame(now, seq);
      ws.send(frame, { binary: false });
      counts.sent++;
      if (now >= window.startNs && now < window.endNs) {
        sendLag.record(lagMicros);
        counts.sentInWindow++;
        counts.bytesInWindow += frame.length;
      }
    });
    void loop.done.then(() => (streaming = false));
    send({ type: "streaming", sessions: targets.length });
  }

  process.on("message", (message: ToPeer) => {
    switch (message.type) {
      case "clock":
        return void send({ type: "clock", ns: process.hrtime.bigint() });
      case "stream":
        return stream(message.frameMs, message.durationMs, message.window, message.turnMs);
      case "report": {
        const report: PeerReport = { open: sessions.size, ...counts, uplink: uplink.toData(), sendLag: sendLag.toData(), streaming };
        return void send({ type: "report", report });
      }
      case "close":
        closing = true;
        for (const { ws } of sessions) ws.terminate();
        server.close();
        process.disconnect?.();
        return;
    }
  });
  // The bench went away: nothing left to serve.
  process.on("disconnect", () => process.exit(0));

  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (address && typeof address === "object") send({ type: "ready", port: address.port });
  });
}

if (require.main === module) main();
