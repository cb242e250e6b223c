import { activityOf, minimumPatienceMs, PAGE_RECONNECT, refusalAdvice, tokenCheckUrl, waitingText } from "./explain";

test("the check URL is the endpoint's host over HTTP(S), without the query", () => {
  expect(tokenCheckUrl("wss://voice.example.com/voice-live/realtime?api-version=2025-10-01&model=m")).toBe("https://voice.example.com/auth/check");
  expect(tokenCheckUrl("ws://127.0.0.1:3000/openai/v1/realtime?model=m")).toBe("http://127.0.0.1:3000/auth/check");
});

test("refusals are explained with what to do", () => {
  expect(refusalAdvice("token_expired", "the token has expired")).toMatch(/expired: get a new one/);
  expect(refusalAdvice("token_bad_signature", "x")).toMatch(/signed with another key.*AUTH_JWT_SECRET/);
  expect(refusalAdvice("token_missing", "x")).toMatch(/^No token/);
  expect(refusalAdvice("something_new", "what the proxy said")).toBe("something_new: what the proxy said");
});

test("patience: the least total wait before giving up, by hand for a small policy", () => {
  // delays 100, 200, 400, 400 (capped) at half (jitter 0.5): 50 + 100 + 200 + 200 = 550 ms
  expect(minimumPatienceMs({ maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, jitter: 0.5 })).toBe(550);
  // The page's policy over the client's defaults (250 ms doubling, jitter 0.5) waits out a redeploy: over 4 minutes.
  expect(minimumPatienceMs({ ...PAGE_RECONNECT, initialDelayMs: 250, multiplier: 2, jitter: 0.5 })).toBeGreaterThan(4 * 60_000);
});

test("the waiting line names the cause, the attempt, the delay with its unit, and the patience", () => {
  const text = waitingText({ attempt: 3, maxAttempts: 40, delayMs: 4100, code: 1012, reason: "restart" }, 262_000);
  expect(text).toBe("Waiting to reconnect: the proxy is restarting. Attempt 3 of 40 in 4.1 s; this page keeps trying for at least 4 min (a restart or a redeploy), and resumes the conversation if the proxy kept it.");
  expect(waitingText({ attempt: 1, maxAttempts: 40, delayMs: 250, code: 1006, reason: "" }, 60_000)).toMatch(/connection lost \(close 1006\)/);
});

test("activity: listening while the microphone streams, thinking until the answer, speaking while it plays", () => {
  const base = { clientState: "ready", micOn: false, awaitingAnswer: false, playingUntil: 0, now: 10 };
  expect(activityOf(base)).toBe("ready");
  expect(activityOf({ ...base, micOn: true })).toBe("listening");
  expect(activityOf({ ...base, awaitingAnswer: true })).toBe("thinking");
  expect(activityOf({ ...base, awaitingAnswer: true, playingUntil: 11 })).toBe("speaking");
  expect(activityOf({ ...base, clientState: "waiting", micOn: true })).toBe("reconnecting");
  expect(activityOf({ ...base, clientState: "open" })).toBe("connecting");
});
