/**
 * The voice client library, for browsers and Node:
 *
 *   const client = createVoiceClient({ url: "wss://voice.example.com/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime",
 *                                      token: () => fetchUserToken() });
 *   client.on("event", (event) => ...);          // every server event, in order
 *   client.on("reconnecting", ({ attempt, delayMs, code }) => ...);
 *   client.on("ready", ({ reconnected, resumed }) => ...);   // resumed: false after a reconnect = new conversation
 *   await client.connect();
 *   client.send({ type: "session.update", session: { instructions: "..." } });
 *   client.appendAudio(base64Pcm16);             // held (bounded, oldest dropped) while reconnecting
 *   client.close();
 *
 * See voiceClient.ts for the behaviour and docs/hybrid.md for a browser page.
 */
import { defaultSocketFactory, type SocketFactory } from "./socket";
import { systemClock, VoiceClient, type Clock, type VoiceClientOptions } from "./voiceClient";

export * from "./audio";
export { DEFAULT_OUTBOX, type DropCounts, type OutboxLimits } from "./outbox";
export { backoffDelay, closeAction, DEFAULT_RECONNECT, type CloseAction, type ReconnectPolicy } from "./policy";
export { defaultSocketFactory, w3cSocketFactory, wsSocketFactory, type SocketFactory } from "./socket";
export * from "./voiceClient";

/** A client over the platform's WebSocket (browsers, Node 22+) or `ws` (Node 20), the system clock and Math.random. */
export function createVoiceClient(options: VoiceClientOptions, deps: { sockets?: SocketFactory; clock?: Clock; random?: () => number } = {}): VoiceClient {
  return new VoiceClient(options, {
    sockets: deps.sockets ?? defaultSocketFactory(),
    clock: deps.clock ?? systemClock,
    random: deps.random ?? Math.random,
  });
}
