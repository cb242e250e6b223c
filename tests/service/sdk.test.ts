/**
 * The official SDKs, unchanged, pointed at the proxy with the user's token where they expect a key:
 * audio in, audio and transcript out, response.done usage intact.
 */
import { AzureKeyCredential } from "@azure/core-auth";
import { VoiceLiveClient } from "@azure/ai-voicelive";
import { AzureOpenAI } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import { generate } from "selfsigned";
import { toneChunk } from "../../service/src/emulator/protocol";
import { mintToken, startStack, UPSTREAM_KEY, type TestStack } from "../support/stack";

const oneSecond = () => toneChunk(0, 24_000);

describe("@azure/ai-voicelive through the proxy", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  test("a full turn with the user's JWT as the key credential", async () => {
    const token = await mintToken({ sub: "voicelive-sdk" });
    const client = new VoiceLiveClient(`http://127.0.0.1:${stack.proxy.port}`, new AzureKeyCredential(token));
    const session = client.createSession("gpt-realtime");
    let audioBytes = 0;
    let transcript = "";
    const done = new Promise<{ usage?: { inputTokens?: number; outputTokens?: number; outputTokenDetails?: { audioTokens?: number } } }>((resolve, reject) => {
      session.subscribe({
        onResponseAudioDelta: async (event) => {
          audioBytes += (event.delta as Uint8Array).byteLength;
        },
        onResponseAudioTranscriptDelta: async (event) => {
          transcript += event.delta;
        },
        onResponseDone: async (event) => resolve(event.response as never),
        onError: async (args) => reject(args.error),
      });
    });
    await session.connect();
    await session.updateSession({ instructions: "Interview the candidate.", modalities: ["audio", "text"] });
    await session.sendAudio(oneSecond());
    await session.sendEvent({ type: "input_audio_buffer.commit" });
    await session.sendEvent({ type: "response.create" });
    const response = await done;
    await session.disconnect();

    expect(audioBytes).toBe(0.4 * 48_000); // 400 ms of PCM16 at 24 kHz
    expect(transcript).toBe("Thanks, that is helpful.");
    expect(response.usage?.outputTokenDetails?.audioTokens).toBe(8);
    expect(response.usage?.inputTokens).toBeGreaterThan(10);
    // The SDK sent the user's token; the upstream saw only the server-side key.
    const seen = stack.emulators[0].stats();
    expect(seen.lastHeaders?.["api-key"]).toBe(UPSTREAM_KEY);
    expect(seen.lastUrl).not.toContain(token);
  });
});

describe("openai realtime client (Azure mode, forces wss) through the proxy over TLS", () => {
  let stack: TestStack;
  let ca: string;
  beforeAll(async () => {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 24 * 3600_000),
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    ca = pems.cert;
    stack = await startStack({ deps: { tls: { key: pems.private, cert: pems.cert } } });
  });
  afterAll(() => stack.stop());

  test("openai 7.x reaches /openai/v1/realtime with the token as api-key; GA events and usage come back", async () => {
    const token = await mintToken({ sub: "openai-sdk" });
    const azure = new AzureOpenAI({ apiKey: token, endpoint: `https://127.0.0.1:${stack.proxy.port}`, apiVersion: "2025-04-01-preview", deployment: "gpt-realtime" });
    const rt = await OpenAIRealtimeWS.azure(azure, { options: { ca } });
    const types: string[] = [];
    let audioBytes = 0;
    let transcript = "";
    const done = new Promise<{ usage?: { output_token_details?: { audio_tokens?: number } } }>((resolve, reject) => {
      rt.on("error", reject);
      rt.on("event", (event) => types.push(event.type));
      rt.on("response.output_audio.delta", (event) => (audioBytes += Buffer.byteLength(event.delta, "base64")));
      rt.on("response.output_audio_transcript.delta", (event) => (transcript += event.delta));
      rt.on("response.done", (event) => resolve(event.response as never));
    });
    await new Promise<void>((resolve, reject) => {
      rt.socket.once("open", () => resolve());
      rt.socket.once("error", reject);
    });
    rt.send({ type: "input_audio_buffer.append", audio: oneSecond().toString("base64") });
    rt.send({ type: "input_audio_buffer.commit" });
    rt.send({ type: "response.create" });
    const response = await done;
    rt.close();

    expect(stack.emulators[0].stats().lastUrl).toBe("/openai/v1/realtime?model=gpt-realtime");
    expect(types[0]).toBe("proxy.session"); // the proxy's own event, which the SDK passes through harmlessly
    expect(types).toContain("session.created");
    expect(audioBytes).toBe(0.4 * 48_000);
    expect(transcript).toBe("Thanks, that is helpful.");
    expect(response.usage?.output_token_details?.audio_tokens).toBe(8);
  });
});
