import { Turns, turnModeOf } from "./turns";

const frame = (s: string) => Buffer.from(s);
const COMMIT = frame('{"type":"input_audio_buffer.commit"}');
const texts = (frames: Buffer[]) => frames.map(String);

function turns(mode: Partial<ReturnType<typeof turnModeOf>> = {}) {
  const t = new Turns({ heldAudioMaxBytes: 100, prerollBytes: 10, silenceMs: 1000 }, 0);
  t.mode = { manual: false, autoAnswer: true, transcription: false, ...mode };
  return t;
}

test("turnModeOf reads turn_detection, create_response and input_audio_transcription", () => {
  expect(turnModeOf(undefined)).toEqual({ manual: false, autoAnswer: true, transcription: false });
  expect(turnModeOf({ turn_detection: null })).toEqual({ manual: true, autoAnswer: false, transcription: false });
  expect(turnModeOf({ turn_detection: { type: "server_vad", create_response: false }, input_audio_transcription: { model: "whisper-1" } }))
    .toEqual({ manual: false, autoAnswer: false, transcription: true });
  expect(turnModeOf({ input_audio_transcription: null }).transcription).toBe(false);
});

test("manual commits: audio is held until the upstream confirms, a replay carries each unconfirmed commit with its audio", () => {
  const t = turns({ manual: true });
  t.clientAudio(frame("a1"));
  t.clientCommit(COMMIT, 0);
  t.clientAudio(frame("b1"));
  expect(t.quietForSwitch()).toBe(false);
  expect(texts(t.replay())).toEqual(["a1", String(COMMIT), "b1"]);
  t.committed();
  expect(t.quietForSwitch()).toBe(true); // the confirmed utterance and b1 are carried across by a rotation's replay
  expect(t.quietForDrain()).toBe(false); // but a reconnect cannot carry them
  expect(texts(t.replay())).toEqual(["a1", String(COMMIT), "b1"]);
  t.committed();
  t.clientResponseCreate(0);
  t.responseCreated("r");
  t.responseDone(); // answered: the utterance is in the conversation now
  expect(texts(t.replay())).toEqual(["b1"]);
  t.clientClear();
  expect(t.quietForDrain()).toBe(true);
  expect(t.heldAudioBytes()).toBe(0);
});

test("with transcription, an utterance is held until its transcript arrives; an empty commit's refusal drops it", () => {
  const t = turns({ manual: true, transcription: true });
  t.clientAudio(frame("a1"));
  t.clientCommit(COMMIT, 0);
  t.committed();
  expect(t.quietForSwitch()).toBe(false);
  t.transcribed();
  expect(t.quietForSwitch()).toBe(true);
  t.clientCommit(COMMIT, 0);
  t.upstreamError("input_audio_buffer_commit_empty");
  expect(t.quietForSwitch()).toBe(true);
});

test("server VAD: a pre-roll while silent, the whole utterance while speaking, the automatic answer awaited after the commit", () => {
  const t = turns();
  for (const s of ["s1", "s2", "s3", "s4", "s5", "s6"]) t.clientAudio(frame(s)); // 2 bytes each, pre-roll 10
  expect(texts(t.replay())).toEqual(["s2", "s3", "s4", "s5", "s6"]);
  // A rotation sends it too: speech server VAD has not reported yet would otherwise lose its start.
  expect(texts(t.replay())).toEqual(["s2", "s3", "s4", "s5", "s6"]);
  t.speechStarted();
  for (const s of ["v1", "v2", "v3", "v4", "v5", "v6"]) t.clientAudio(frame(s));
  expect(t.quietForSwitch()).toBe(false);
  t.committed();
  expect(t.answerInFlight()).toBe(true);
  expect(t.quietForSwitch()).toBe(false);
  t.responseCreated("r1");
  expect(t.cut(5)).toEqual({ responseId: "r1" });
  expect(t.quietForSwitch()).toBe(true);
});

test("stalled: only while an event is due, after silenceMs without one", () => {
  const t = turns();
  expect(t.stalled(10_000)).toBe(false); // nothing due
  t.clientResponseCreate(10_000);
  expect(t.stalled(10_999)).toBe(false);
  expect(t.stalled(11_000)).toBe(true);
  t.heard(11_000);
  t.responseCreated(undefined);
  expect(t.stalled(11_500)).toBe(false);
  expect(t.stalled(12_000)).toBe(true);
  t.responseDone();
  expect(t.stalled(60_000)).toBe(false);
});

test("held audio is bounded: the oldest frames go first", () => {
  const t = turns({ manual: true });
  for (let i = 0; i < 60; i++) t.clientAudio(frame(String(i).padStart(2, "0")));
  expect(t.heldAudioBytes()).toBe(100);
  expect(texts(t.replay())[0]).toBe("10");
});
