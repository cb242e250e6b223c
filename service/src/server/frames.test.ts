/** Frame sniffing and the close code for every way a session ends. */
import { AUDIO_EVENTS } from "../../../contracts";
import { clientCloseFor, sniffType } from "./frames";

const isAudioFrame = (frame: Buffer) => AUDIO_EVENTS.has(sniffType(frame) ?? "");

describe("frames", () => {
  const audio = JSON.stringify({ type: "response.audio.delta", delta: "A".repeat(100_000) });
  test("the type is read from the frame's start, whatever its size", () => {
    expect(sniffType(Buffer.from(audio))).toBe("response.audio.delta");
    expect(isAudioFrame(Buffer.from(audio))).toBe(true);
    expect(isAudioFrame(Buffer.from(JSON.stringify({ event_id: "e1", type: "input_audio_buffer.append", audio: "AAAA" })))).toBe(true);
    expect(isAudioFrame(Buffer.from(JSON.stringify({ type: "response.done" })))).toBe(false);
    expect(sniffType("not json")).toBeUndefined();
  });
  test("close codes for every ending", () => {
    expect(clientCloseFor({ kind: "client_closed", code: 1001 }).code).toBe(1000);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1000 }).code).toBe(1000);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1009 }).code).toBe(1009);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1011 }).code).toBe(1013);
    expect(clientCloseFor({ kind: "upstream_lost" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "upstream_unavailable" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "client_too_big" }).code).toBe(1009);
    expect(clientCloseFor({ kind: "client_overflow" }).code).toBe(1008);
    expect(clientCloseFor({ kind: "peer_timeout", leg: "client" }).code).toBe(1008);
    expect(clientCloseFor({ kind: "peer_timeout", leg: "upstream" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "time_limit" }).code).toBe(4000);
    expect(clientCloseFor({ kind: "draining" }).code).toBe(1012);
    expect(clientCloseFor({ kind: "internal" }).code).toBe(1011);
  });
});

