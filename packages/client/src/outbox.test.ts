import { audioCharsOf, Outbox } from "./outbox";

test("audio over its bound drops the oldest audio only; other events keep their place", () => {
  const box = new Outbox({ maxAudioChars: 8, maxEvents: 10 });
  expect(box.push("a1", 4)).toBe(false);
  box.push("update", 0);
  box.push("a2", 4);
  expect(box.push("a3", 4)).toBe(true);
  expect(box.dropped).toEqual({ audioChunks: 1, audioChars: 4, events: 0 });
  expect([box.shift(), box.shift(), box.shift(), box.shift()]).toEqual(["update", "a2", "a3", undefined]);
  expect(box.heldAudioChars).toBe(0);
});

test("events over their bound drop the oldest event; a chunk larger than the whole bound is dropped at once", () => {
  const box = new Outbox({ maxAudioChars: 8, maxEvents: 2 });
  box.push("e1", 0);
  box.push("e2", 0);
  box.push("e3", 0);
  box.push("huge", 9);
  expect(box.dropped).toEqual({ audioChunks: 1, audioChars: 9, events: 1 });
  expect(box.size).toBe(2);
  expect(box.peek()).toBe("e2");
});

test("only input_audio_buffer.append with a string payload counts as audio", () => {
  expect(audioCharsOf({ type: "input_audio_buffer.append", audio: "AAAA" })).toBe(4);
  expect(audioCharsOf({ type: "input_audio_buffer.commit" })).toBe(0);
  expect(audioCharsOf({ type: "input_audio_buffer.append", audio: 5 })).toBe(0);
});
