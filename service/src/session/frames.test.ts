/** Frame sniffing, and the close code and outcome for every way a session ends. */
import { AUDIO_EVENTS } from "../../../contracts";
import { clientCloseFor, outcomeOf, sniffType, type Ending } from "./frames";

const isAudioFrame = (frame: Buffer) => AUDIO_EVENTS.has(sniffType(frame) ?? "");

test("the type is read from the frame's start, whatever its size", () => {
  const audio = JSON.stringify({ type: "response.audio.delta", delta: "A".repeat(100_000) });
  expect(sniffType(Buffer.from(audio))).toBe("response.audio.delta");
  expect(isAudioFrame(Buffer.from(audio))).toBe(true);
  expect(isAudioFrame(Buffer.from(JSON.stringify({ event_id: "e1", type: "input_audio_buffer.append", audio: "AAAA" })))).toBe(true);
  expect(isAudioFrame(Buffer.from(JSON.stringify({ type: "response.done" })))).toBe(false);
  expect(sniffType("not json")).toBeUndefined();
});

test("the byte scan agrees with the pattern on awkward frames", () => {
  const cases = [
    '{"type":"a.b"}', '{ "type" : "a.b" }', '{"type":\n"x"}', '{"type":""}', '{"type":"a\\"b"}', '{"type":5}', '{"typ":"x"}',
    `{"event_id":"${"e".repeat(180)}","type":"late"}`, `{"type":"${"t".repeat(101)}"}`, `{"type":"${"t".repeat(100)}"}`, '{"type":"unterminated',
  ];
  for (const c of cases) expect([c, sniffType(Buffer.from(c))]).toEqual([c, sniffType(c)]);
});

test.each<[Ending, number, string]>([
  [{ kind: "client_closed", code: 1000 }, 1000, "ended"],
  [{ kind: "client_closed", code: 1006 }, 1000, "detached"],
  [{ kind: "client_closed", code: 1001 }, 1000, "detached"],
  [{ kind: "upstream_refused_input", code: 1009 }, 1009, "ended"],
  [{ kind: "upstream_unavailable" }, 1013, "detached"],
  [{ kind: "client_too_big" }, 1009, "ended"],
  [{ kind: "client_overflow" }, 1008, "ended"],
  [{ kind: "client_timeout" }, 1008, "detached"],
  [{ kind: "time_limit" }, 4000, "ended"],
  [{ kind: "idle" }, 1000, "detached"],
  [{ kind: "draining" }, 1012, "detached"],
  [{ kind: "replaced" }, 4001, "replaced"],
  [{ kind: "internal" }, 1011, "detached"],
])("%j closes with %i and is %s", (ending, code, outcome) => {
  expect(clientCloseFor(ending).code).toBe(code);
  expect(outcomeOf(ending)).toBe(outcome);
});
