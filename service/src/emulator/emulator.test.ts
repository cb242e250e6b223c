/** The emulator's server VAD, turn digests and mid-answer faults (what the survival tests measure with). */
import { createHash } from "node:crypto";
import { connectClient } from "../dev/client";
import { startEmulator, type Emulator } from ".";

let emu: Emulator;
afterEach(() => emu?.close());
const url = () => `${emu.url.replace("http", "ws")}/openai/v1/realtime?model=m`;
const speech = (n: number) => Buffer.alloc(2400, n + 1).toString("base64"); // 50 ms, non-zero
const silence = Buffer.alloc(2400).toString("base64");

test("server VAD: speech starts an utterance, 500 ms of silence commits and answers it; the turn is reported by its speech frames' digest", async () => {
  emu = await startEmulator({ serverVad: true, firstAudioDelayMs: 5, responseAudioMs: 100, chunkMs: 50 });
  const c = await connectClient(url());
  await c.waitFor("session.created");
  for (const s of [silence, speech(1), speech(2), ...Array(10).fill(silence)]) c.send({ type: "input_audio_buffer.append", audio: s });
  await c.waitFor("response.done");
  expect(c.events.map((e) => e.type).filter((t) => String(t).startsWith("input_audio") || t === "response.created")).toEqual([
    "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed", "response.created",
  ]);
  const digest = createHash("sha1").update(speech(1)).update(speech(2)).digest("hex");
  expect(emu.stats().turns).toEqual([{ session: expect.any(String), digest, speechFrames: 2 }]);
  expect(emu.stats().responses).toEqual({ completed: 1, cut: 0 });
  c.ws.close();
});

test("server VAD with create_response false: the utterance is committed, no answer follows", async () => {
  emu = await startEmulator({ serverVad: true });
  const c = await connectClient(url());
  await c.waitFor("session.created");
  c.send({ type: "session.update", session: { turn_detection: { type: "server_vad", create_response: false, silence_duration_ms: 100 } } });
  for (const s of [speech(1), silence, silence, silence]) c.send({ type: "input_audio_buffer.append", audio: s });
  await c.waitFor("input_audio_buffer.committed");
  await new Promise((r) => setTimeout(r, 100));
  expect(c.events.map((e) => e.type)).not.toContain("response.created");
  c.ws.close();
});

test("stallOnResponse: mid-answer the upstream goes silent with the connection open; the answer counts as cut", async () => {
  emu = await startEmulator({ firstAudioDelayMs: 5, responseAudioMs: 400, chunkMs: 50 });
  const c = await connectClient(url());
  await c.waitFor("session.created");
  emu.setFaults({ stallOnResponse: true });
  c.send({ type: "response.create" });
  await c.waitFor("response.output_audio.delta");
  await new Promise((r) => setTimeout(r, 600));
  expect(c.events.map((e) => e.type)).not.toContain("response.done");
  expect(c.ws.readyState).toBe(c.ws.OPEN);
  expect(emu.stats().responses).toEqual({ completed: 0, cut: 1 });
  c.ws.terminate();
});
