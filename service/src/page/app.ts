/// <reference lib="dom" />
/**
 * The test page's script (bundled to app.js by build.ts): the client library in a browser, the
 * microphone through an AudioWorklet to 24 kHz PCM16, the answer played through Web Audio, and what a
 * person wants to see: state, first-audio latency, audio played, reconnects and resumes.
 *
 * Push to talk: "Start talking" streams the microphone, "Stop and send" commits the turn and asks for a
 * response (server VAD is switched off in the session so the two never compete).
 *
 * It says why it cannot connect: the token is checked over HTTP before a socket is opened, and again when
 * a reconnect fails (a browser cannot read why an upgrade was refused); while the proxy restarts it says
 * it is waiting, and keeps trying long enough for a redeploy (explain.ts).
 */
import { AUDIO_DELTA_EVENTS, ClientPath, DEFAULT_API_VERSION, RealtimeEvent, SAMPLE_RATE, TRANSCRIPT_DELTA_EVENTS } from "../../../contracts/protocol";
import { base64ToBytes, bytesToBase64, createVoiceClient, DEFAULT_RECONNECT, floatToPcm16, pcm16ToFloat, Resampler, rms } from "../../../packages/client/src";
import { activityOf, minimumPatienceMs, PAGE_RECONNECT, refusalAdvice, tokenCheckUrl, waitingText, type Activity } from "./explain";
import type { ClientState, ServerEvent, VoiceClient } from "../../../packages/client/src";

/** 100 ms of 24 kHz audio per input_audio_buffer.append. */
const CHUNK_SAMPLES = SAMPLE_RATE / 10;
/** Audio scheduled ahead of the playhead beyond this is dropped: a bound on what the page holds. */
const MAX_SCHEDULED_SECONDS = 120;
const LOG_LINES = 200;
const ACTIVITY_LOG = 50;
const RECONNECT = { ...DEFAULT_RECONNECT, ...PAGE_RECONNECT };
const PATIENCE_MS = minimumPatienceMs(RECONNECT);

const element = <T extends HTMLElement>(id: string) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
};
const ui = {
  endpoint: element<HTMLInputElement>("endpoint"),
  token: element<HTMLInputElement>("token"),
  connect: element<HTMLButtonElement>("connect"),
  disconnect: element<HTMLButtonElement>("disconnect"),
  talk: element<HTMLButtonElement>("talk"),
  send: element<HTMLButtonElement>("send"),
  level: element<HTMLDivElement>("level"),
  state: element("state"),
  latency: element("latency"),
  played: element("played"),
  sent: element("sent"),
  session: element("session"),
  resume: element("resume"),
  reconnects: element("reconnects"),
  dropped: element("dropped"),
  status: element("status"),
  transcript: element("transcript"),
  log: element<HTMLPreElement>("log"),
};

interface Mic {
  stream: MediaStream;
  source: MediaStreamAudioSourceNode;
  node: AudioWorkletNode;
  sink: GainNode;
  resampler: Resampler;
  pending: number[];
}

const page = {
  client: undefined as VoiceClient | undefined,
  context: undefined as AudioContext | undefined,
  mic: undefined as Mic | undefined,
  state: "idle" as ClientState,
  chunksSent: 0,
  samplesSent: 0,
  micLevel: 0,
  framesPlayed: 0,
  framesScheduled: 0,
  framesDropped: 0,
  nextPlayAt: 0,
  turnStartedAt: undefined as number | undefined,
  latencyMs: undefined as number | undefined,
  audioDeltas: 0,
  awaitingAnswer: false,
  /** Successful reconnections (a reconnect that reached `ready`), not attempts. */
  reconnections: 0,
  activity: "idle" as Activity,
  /** The activities shown, in order (bounded): what the browser test reads. */
  activityLog: [] as Activity[],
  status: "",
};

/** What the browser test reads (the same figures the page shows). */
(window as unknown as { voicePage: unknown }).voicePage = {
  snapshot: () => ({
    state: page.state,
    chunksSent: page.chunksSent,
    secondsSent: page.samplesSent / SAMPLE_RATE,
    micLevel: page.micLevel,
    framesPlayed: page.framesPlayed,
    framesScheduled: page.framesScheduled,
    latencyMs: page.latencyMs,
    audioDeltas: page.audioDeltas,
    sampleRate: page.context?.sampleRate,
    activity: page.activity,
    activityLog: [...page.activityLog],
    reconnections: page.reconnections,
    status: page.status,
  }),
};

function log(line: string): void {
  const stamp = new Date().toISOString().slice(11, 23);
  const lines = (ui.log.textContent ? ui.log.textContent.split("\n") : []).concat(`${stamp} ${line}`);
  ui.log.textContent = lines.slice(-LOG_LINES).join("\n");
  ui.log.scrollTop = ui.log.scrollHeight;
}

function setStatus(text: string, kind: "info" | "error" | "waiting" = "info"): void {
  page.status = text;
  ui.status.textContent = text;
  ui.status.className = `status status-${kind}`;
  ui.status.hidden = text === "";
}

function render(): void {
  const activity = activityOf({
    clientState: page.state, micOn: page.mic !== undefined, awaitingAnswer: page.awaitingAnswer,
    playingUntil: page.nextPlayAt, now: page.context?.currentTime ?? 0,
  });
  if (activity !== page.activity) {
    page.activity = activity;
    page.activityLog = [...page.activityLog, activity].slice(-ACTIVITY_LOG);
  }
  ui.state.textContent = activity;
  ui.state.className = `v state-${activity}`;
  ui.played.textContent = `${(page.framesPlayed / SAMPLE_RATE).toFixed(2)} s`;
  ui.sent.textContent = `${(page.samplesSent / SAMPLE_RATE).toFixed(2)} s`;
  ui.latency.textContent = page.latencyMs === undefined ? "–" : `${Math.round(page.latencyMs)} ms`;
  const stats = page.client?.stats();
  if (stats) {
    ui.reconnects.textContent = `${page.reconnections} / ${stats.resumes}`;
    ui.dropped.textContent = `${stats.dropped.audioChunks + stats.dropped.events} events`;
  }
  const live = page.state !== "idle" && page.state !== "closed";
  ui.connect.disabled = live;
  ui.disconnect.disabled = !live;
  ui.talk.disabled = !live || page.mic !== undefined;
  ui.send.disabled = page.mic === undefined;
  ui.level.style.width = `${Math.min(100, Math.round(page.micLevel * 300))}%`;
}

function defaultEndpoint(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${ClientPath.voiceLive}?api-version=${DEFAULT_API_VERSION["voice-live"]}&model=gpt-realtime`;
}

// --- playback ---------------------------------------------------------------------------------------

function play(base64: string): void {
  const context = page.context;
  if (!context) return;
  const samples = pcm16ToFloat(base64ToBytes(base64));
  if (samples.length === 0) return;
  const now = context.currentTime;
  if (page.nextPlayAt - now > MAX_SCHEDULED_SECONDS) {
    page.framesDropped += samples.length;
    return;
  }
  const buffer = context.createBuffer(1, samples.length, SAMPLE_RATE);
  buffer.copyToChannel(samples, 0);
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  const at = Math.max(now + 0.02, page.nextPlayAt);
  source.start(at);
  page.nextPlayAt = at + buffer.duration;
  page.framesScheduled += samples.length;
  render(); // speaking from now until nextPlayAt
  source.onended = () => {
    page.framesPlayed += samples.length;
    render();
  };
}

// --- microphone -------------------------------------------------------------------------------------

async function startTalking(): Promise<void> {
  const context = page.context;
  const client = page.client;
  if (!context || !client || page.mic) return;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, "mic-capture", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  // The worklet only runs while the graph pulls it: route it to the output through silence.
  const sink = context.createGain();
  sink.gain.value = 0;
  const mic: Mic = { stream, source, node, sink, resampler: new Resampler(context.sampleRate), pending: [] };
  node.port.onmessage = (message: MessageEvent<Float32Array>) => onMicSamples(mic, message.data);
  source.connect(node);
  node.connect(sink);
  sink.connect(context.destination);
  page.mic = mic;
  ui.transcript.textContent = "";
  log(`microphone on (${context.sampleRate} Hz, resampled to ${SAMPLE_RATE} Hz)`);
  render();
}

function onMicSamples(mic: Mic, samples: Float32Array): void {
  if (page.mic !== mic) return;
  page.micLevel = 0.8 * page.micLevel + 0.2 * rms(samples);
  for (const s of mic.resampler.push(samples)) mic.pending.push(s);
  while (mic.pending.length >= CHUNK_SAMPLES) sendAudio(mic.pending.splice(0, CHUNK_SAMPLES));
  render();
}

function sendAudio(samples: number[]): void {
  page.client?.appendAudio(bytesToBase64(floatToPcm16(Float32Array.from(samples))));
  page.chunksSent++;
  page.samplesSent += samples.length;
}

function stopTalking(): void {
  const mic = page.mic;
  if (!mic) return;
  page.mic = undefined;
  mic.source.disconnect();
  mic.node.disconnect();
  mic.sink.disconnect();
  mic.node.port.onmessage = null;
  for (const track of mic.stream.getTracks()) track.stop();
  if (mic.pending.length > 0) sendAudio(mic.pending.splice(0));
  page.micLevel = 0;
}

// --- the session ------------------------------------------------------------------------------------

/** Whether the proxy accepts the token, asked over HTTP: `undefined` = accepted; else what to tell the user. */
async function checkToken(wsUrl: string, token: string): Promise<{ refused: boolean; text: string } | undefined> {
  let response: Response;
  try {
    response = await fetch(tokenCheckUrl(wsUrl), { method: "POST", headers: { "content-type": "text/plain" }, body: token, cache: "no-store" });
  } catch {
    return { refused: false, text: `The proxy at ${new URL(wsUrl).host} does not answer (not running, restarting, or blocked by CORS).` };
  }
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  const code = body.error?.code ?? `http_${response.status}`;
  return { refused: response.status === 401 || response.status === 403, text: `HTTP ${response.status}: ${refusalAdvice(code, body.error?.message ?? "")}` };
}

function onEvent(event: ServerEvent): void {
  if (event.type === RealtimeEvent.responseDone) page.awaitingAnswer = false;
  if (AUDIO_DELTA_EVENTS.has(event.type)) {
    page.audioDeltas++;
    if (page.turnStartedAt !== undefined && page.latencyMs === undefined) {
      page.latencyMs = performance.now() - page.turnStartedAt;
      log(`first audio ${Math.round(page.latencyMs)} ms after the end of the turn`);
    }
    play(String(event.delta));
    return;
  }
  if (TRANSCRIPT_DELTA_EVENTS.has(event.type)) {
    ui.transcript.textContent += String(event.delta);
    return;
  }
  if (event.type === RealtimeEvent.error) {
    const error = event.error as { code?: string; message?: string } | undefined;
    log(`error ${error?.code ?? ""}: ${error?.message ?? ""}`);
    return;
  }
  log(event.type);
}

async function connect(): Promise<void> {
  const url = ui.endpoint.value.trim();
  const token = ui.token.value.trim();
  // Created on a click: browsers start audio only after a user gesture.
  const context = page.context ?? new AudioContext();
  page.context = context;
  await context.resume();
  await context.audioWorklet.addModule("mic-worklet.js");
  // Checked before any socket: a browser sees a refused upgrade only as "closed 1006".
  setStatus("Checking the token...");
  const verdict = await checkToken(url, token);
  if (verdict) {
    setStatus(`Cannot connect. ${verdict.text}`, "error");
    log(`not connecting: ${verdict.text}`);
    return;
  }
  setStatus("");
  const client = createVoiceClient({ url, token, reconnect: RECONNECT });
  page.client = client;
  page.state = "connecting";
  client.on("state", ({ state }) => {
    if (page.client !== client) return;
    page.state = state;
    render();
  });
  client.on("event", (event) => page.client === client && onEvent(event));
  client.on("session", (s) => {
    ui.session.textContent = s.sessionId.slice(0, 13);
    // A proxy without resume sends neither a status nor a token.
    ui.resume.textContent = s.resumeStatus === undefined && !s.resumable
      ? "not offered"
      : `${s.resumeStatus ?? "–"} · ${s.resumable ? "token held" : "no token"}`;
    log(`proxy.session ${s.sessionId} (${s.resumeStatus ?? "?"}${s.resumable ? ", resume token held" : ", no resume token"})`);
  });
  client.on("reconnecting", (r) => {
    if (page.client !== client) return;
    log(`closed ${r.code}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ""} ${r.reason}: reconnect #${r.attempt} in ${r.delayMs} ms`);
    setStatus(waitingText({ ...r, maxAttempts: RECONNECT.maxAttempts }, PATIENCE_MS), "waiting");
    // A failed reconnect may be a token the proxy no longer accepts (expired, or a new key after a
    // restart): ask, and stop retrying with a reason instead of failing every attempt.
    if (r.attempt > 1 && r.httpStatus === undefined) {
      void checkToken(url, token).then((v) => {
        if (!v || page.client !== client) return;
        if (v.refused) {
          client.close();
          setStatus(`Disconnected. ${v.text}`, "error");
        } else {
          setStatus(`${waitingText({ ...r, maxAttempts: RECONNECT.maxAttempts }, PATIENCE_MS)} ${v.text}`, "waiting");
        }
      });
    }
  });
  client.on("resumed", (r) => log(`resumed: ${r.resumedItems} items, ${(r.elapsedMs / 1000).toFixed(1)} s used`));
  client.on("ready", (r) => {
    if (r.reconnected) page.reconnections++;
    if (r.reconnected && !r.resumed) log("reconnected to a new session: the conversation so far is gone");
    setStatus(r.reconnected ? (r.resumed ? "Reconnected: the conversation continues." : "Reconnected to a NEW session: the conversation so far is gone.") : "");
    render();
  });
  client.on("dropped", () => render());
  client.on("closed", (c) => {
    stopTalking();
    page.awaitingAnswer = false;
    log(`session ended: ${c.code} ${c.reason}`);
    if (!c.byClient) {
      setStatus(page.status.startsWith("Waiting")
        ? `Gave up reconnecting: ${c.reason}. Check that the proxy is running, then Connect again.`
        : `Disconnected by the proxy: close ${c.code}${c.reason ? ` (${c.reason})` : ""}.`, "error");
    }
    render();
  });
  client.on("warning", (w) => log(`warning: ${w.message}`));
  render();
  // Push to talk: the page says when a turn ends.
  client.send({ type: RealtimeEvent.sessionUpdate, session: { turn_detection: null, instructions: "You are a friendly interviewer. Ask one question at a time." } });
  await client.connect();
}

function endTurn(): void {
  stopTalking();
  const client = page.client;
  if (!client) return;
  client.send({ type: RealtimeEvent.inputAudioCommit });
  client.send({ type: RealtimeEvent.responseCreate });
  page.turnStartedAt = performance.now();
  page.latencyMs = undefined;
  page.awaitingAnswer = true;
  log("turn sent: input_audio_buffer.commit, response.create");
  render();
}

function guard(action: () => Promise<void> | void): () => void {
  return () => {
    Promise.resolve()
      .then(action)
      .catch((error: Error) => {
        log(`failed: ${error.message}`);
        render();
      });
  };
}

function init(): void {
  const fragment = new URLSearchParams(location.hash.slice(1));
  ui.endpoint.value = fragment.get("endpoint") ?? defaultEndpoint();
  const token = fragment.get("token");
  if (token) {
    ui.token.value = token;
    // The token leaves the address bar (history, screen shares); the fragment never reached a server.
    history.replaceState(null, "", location.pathname + location.search);
  }
  ui.connect.onclick = guard(connect);
  ui.disconnect.onclick = guard(() => {
    stopTalking();
    page.client?.close();
  });
  ui.talk.onclick = guard(startTalking);
  ui.send.onclick = guard(endTurn);
  // "speaking" ends when the scheduled audio has played, which no event announces.
  setInterval(render, 200);
  render();
}

init();
