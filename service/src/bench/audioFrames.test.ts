/** The stamped audio events: real realtime events of the right size whose stamp survives a verbatim hop. */
import { AUDIO_EVENTS, BASE64_CHARS_PER_SECOND } from "../../../contracts";
import { sniffType } from "../session/frames";
import { AudioFrameTemplate, pcmBytesPerFrame, readStamp, STAMP_BYTES } from "./audioFrames";

describe("audio frames", () => {
  test("40 ms and 100 ms of 24 kHz PCM16 are 1,920 and 4,800 bytes", () => {
    expect(pcmBytesPerFrame(40)).toBe(1920);
    expect(pcmBytesPerFrame(100)).toBe(4800);
    expect(() => pcmBytesPerFrame(0.1)).toThrow(/at least 12/);
  });

  test.each(["uplink", "downlink"] as const)("%s frames are valid realtime audio events the proxy forwards without parsing", (direction) => {
    const template = new AudioFrameTemplate(direction, 40);
    const frame = template.frame(123_456_789_012_345n, 42);
    const event = JSON.parse(frame.toString("utf8"));
    const audio: string = direction === "uplink" ? event.audio : event.delta;
    expect(event.type).toBe(direction === "uplink" ? "input_audio_buffer.append" : "response.audio.delta");
    expect(Buffer.from(audio, "base64")).toHaveLength(1920);
    expect(audio.length).toBe((BASE64_CHARS_PER_SECOND * 40) / 1000);
    // The relay's cheap type sniff must see audio: otherwise the bench would measure the JSON-parse path.
    expect(AUDIO_EVENTS.has(sniffType(frame) ?? "")).toBe(true);
    // The stamp is the first 12 PCM bytes.
    const pcm = Buffer.from(audio, "base64");
    expect(pcm.readBigUInt64LE(0)).toBe(123_456_789_012_345n);
    expect(pcm.readUInt32LE(8)).toBe(42);
  });

  test("the stamp reads back with and without the layout hint, and each frame is its own buffer", () => {
    const template = new AudioFrameTemplate("downlink", 100);
    const first = template.frame(1n, 0);
    const second = template.frame(2n ** 63n + 5n, 0xffffffff);
    expect(first).not.toBe(second);
    const read = readStamp(first)!;
    expect(read.stamp).toEqual({ sentNs: 1n, seq: 0 });
    expect(readStamp(second, read.offset)?.stamp).toEqual({ sentNs: 2n ** 63n + 5n, seq: 0xffffffff });
    // A wrong hint (another event's layout) falls back to the search.
    expect(readStamp(second, 3)?.stamp.seq).toBe(0xffffffff);
    expect(STAMP_BYTES).toBe(12);
  });

  test("control events and truncated frames carry no stamp", () => {
    expect(readStamp(Buffer.from(JSON.stringify({ type: "session.created", session: { id: "s" } })))).toBeUndefined();
    expect(readStamp(Buffer.from('{"type":"response.audio.delta","delta":"AAAA'))).toBeUndefined();
  });
});
