/**
 * The client over real sockets: a small ws server on loopback plays the proxy's side of the contract
 * as a script (the events and close codes of contracts/protocol.ts, one script per connection). It
 * implements no resume: it records what each reconnect presents (URL, headers, subprotocols) and what
 * arrives, so the client's reconnect, backoff and buffering are checked on the wire.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket as WsWebSocket, WebSocketServer, type WebSocket } from "ws";
import { CloseCode, ProxyEvent } from "../../../contracts/protocol";
import { w3cSocketFactory, wsSocketFactory } from "./socket";
import { systemClock, VoiceClient, type VoiceClientEvents, type VoiceClientOptions } from "./voiceClient";

interface Upgrade {
  url: URL;
  headers: IncomingMessage["headers"];
  received: Array<Record<string, unknown>>;
  ws?: WebSocket;
}

type Script = (ws: WebSocket, upgrade: Upgrade) => void;

interface ScriptedPeer {
  url: string;
  upgrades: Upgrade[];
  close(): Promise<void>;
}

/** Each connection runs the next script; a script of `{ refuse: status }` answers the upgrade with that status. */
async function startPeer(scripts: Array<Script | { refuse: number }>): Promise<ScriptedPeer> {
  const upgrades: Upgrade[] = [];
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has("realtime") ? "realtime" : false) });
  const server: Server = createServer();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upgrade: Upgrade = { url: new URL(req.url ?? "/", "http://peer"), headers: req.headers, received: [] };
    const script = scripts[Math.min(upgrades.length, scripts.length - 1)];
    upgrades.push(upgrade);
    if ("refuse" in script) {
      const body = JSON.stringify({ error: { code: "refused", message: "scripted refusal" } });
      socket.end(`HTTP/1.1 ${script.refuse} Refused\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgrade.ws = ws;
      ws.on("message", (data) => upgrade.received.push(JSON.parse(data.toString())));
      script(ws, upgrade);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`,
    upgrades,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const send = (ws: WebSocket, event: Record<string, unknown>) => ws.send(JSON.stringify(event));
/** What the proxy sends first: proxy.session (with or without a resume token), then the upstream's session.created. */
const opening = (token: string | undefined, status = "new"): Script => (ws) => {
  send(ws, { type: ProxyEvent.session, session_id: "s-1", expires_in_ms: 60_000, resume_status: status, ...(token ? { resume_token: token } : {}) });
  if (status !== "resumed") send(ws, { type: "session.created", session: { id: "sess" } });
};
const waitUntil = async (what: string, check: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let peer: ScriptedPeer | undefined;
let client: VoiceClient | undefined;
afterEach(async () => {
  client?.close();
  await peer?.close();
  client = peer = undefined;
});

function start(options: Partial<VoiceClientOptions> = {}, sockets = wsSocketFactory()) {
  if (!peer) throw new Error("start the peer first");
  client = new VoiceClient(
    { url: peer.url, token: "user-token", reconnect: { initialDelayMs: 20, maxDelayMs: 100, restartSpreadMs: 20, maxAttempts: 3 }, ...options },
    { sockets, clock: systemClock, random: Math.random },
  );
  const seen: { [K in keyof VoiceClientEvents]?: Array<VoiceClientEvents[K]> } = {};
  for (const type of ["reconnecting", "closed", "ready", "session"] as const) {
    client.on(type, (p) => ((seen[type] ??= [] as never[]) as unknown[]).push(p));
  }
  return { client, seen };
}

test("1012 after proxy.reconnect: the reconnect carries ?resume=<token> and the bearer header; audio sent while away arrives after proxy.resumed, in order", async () => {
  peer = await startPeer([
    (ws, up) => {
      opening("tok-1")(ws, up);
      ws.on("message", () => {
        if (up.received.length === 2) {
          send(ws, { type: ProxyEvent.reconnect, session_id: "s-1", resume_token: "tok-1b", reason: "server restarting" });
          setTimeout(() => ws.close(CloseCode.restart, "server restarting: reconnect"), 50);
        }
      });
    },
    (ws, up) => {
      opening("tok-2", "resumed")(ws, up);
      setTimeout(() => send(ws, { type: ProxyEvent.resumed, session_id: "s-1", resumed_items: 2, elapsed_ms: 1234 }), 30);
    },
  ]);
  const { client: c, seen } = start();
  await c.connect();
  c.appendAudio("AAA1");
  c.appendAudio("AAA2");
  await waitUntil("proxy.reconnect", () => c.currentState === "draining");
  c.appendAudio("AAA3");
  c.appendAudio("AAA4");
  c.send({ type: "input_audio_buffer.commit" });
  await waitUntil("the second connection", () => peer!.upgrades.length === 2);
  await waitUntil("the held events", () => peer!.upgrades[1].received.length === 3);
  const [first, second] = peer.upgrades;
  expect(first.url.searchParams.get("resume")).toBeNull();
  expect(second.url.searchParams.get("resume")).toBe("tok-1b");
  expect(second.url.searchParams.get("model")).toBe("gpt-realtime");
  expect(second.headers.authorization).toBe("Bearer user-token");
  expect(first.received.map((e) => e.audio)).toEqual(["AAA1", "AAA2"]);
  expect(second.received.map((e) => e.audio ?? e.type)).toEqual(["AAA3", "AAA4", "input_audio_buffer.commit"]);
  expect(seen.reconnecting).toEqual([expect.objectContaining({ attempt: 1, code: 1012 })]);
  expect(seen.ready?.at(-1)).toEqual({ sessionId: "s-1", reconnected: true, resumed: true });
});

test("4001 (another connection took the session over): no reconnect", async () => {
  peer = await startPeer([(ws, up) => {
    opening("tok-1")(ws, up);
    setTimeout(() => ws.close(CloseCode.replaced, "replaced"), 20);
  }]);
  const { client: c, seen } = start();
  await c.connect();
  await waitUntil("the close", () => c.currentState === "closed");
  await new Promise((r) => setTimeout(r, 200));
  expect(peer.upgrades).toHaveLength(1);
  expect(seen.closed).toEqual([expect.objectContaining({ code: 4001, byClient: false })]);
});

test("1013 before the session is ready, three times: growing backoff, the token presented each time, then a session", async () => {
  const drop: Script = (ws) => {
    send(ws, { type: ProxyEvent.session, session_id: "s-1", expires_in_ms: 60_000, resume_status: "new", resume_token: "tok-x" });
    setTimeout(() => ws.close(CloseCode.tryAgainLater, "upstream unavailable"), 10);
  };
  peer = await startPeer([drop, drop, drop, opening("tok-4")]);
  const { client: c, seen } = start({ reconnect: { initialDelayMs: 20, maxDelayMs: 1_000, jitter: 0, maxAttempts: 3 } });
  await c.connect();
  expect(peer.upgrades).toHaveLength(4);
  expect(peer.upgrades.slice(1).map((u) => u.url.searchParams.get("resume"))).toEqual(["tok-x", "tok-x", "tok-x"]);
  expect(seen.reconnecting?.map((r) => [r.attempt, r.code, r.delayMs])).toEqual([[1, 1013, 20], [2, 1013, 40], [3, 1013, 80]]);
});

test("an upgrade refused 401 is final and carries the proxy's JSON body; 503 is retried until the attempts run out", async () => {
  peer = await startPeer([{ refuse: 401 }]);
  const a = start();
  await expect(a.client.connect()).rejects.toThrow(/HTTP 401/);
  expect(a.seen.closed?.[0]).toMatchObject({ httpStatus: 401, body: expect.stringContaining("scripted refusal") });
  expect(peer.upgrades).toHaveLength(1);
  await peer.close();

  peer = await startPeer([{ refuse: 503 }]);
  const b = start();
  await expect(b.client.connect()).rejects.toThrow(/gave up after 3 reconnect attempts/);
  expect(peer.upgrades).toHaveLength(4);
  expect(b.seen.reconnecting?.map((r) => r.httpStatus)).toEqual([503, 503, 503]);
});

test("the W3C WebSocket path (browsers, Node 22+): the token goes in the subprotocol, which the server echoes", async () => {
  peer = await startPeer([opening("tok-1")]);
  const { client: c } = start({}, w3cSocketFactory(WsWebSocket as unknown as Parameters<typeof w3cSocketFactory>[0]));
  await c.connect();
  expect(String(peer.upgrades[0].headers["sec-websocket-protocol"]).split(/,\s*/)).toEqual(["realtime", "openai-insecure-api-key.user-token"]);
  expect(peer.upgrades[0].headers.authorization).toBeUndefined();
  expect(peer.upgrades[0].url.search).not.toContain("user-token");
});
