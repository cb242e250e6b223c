import { AnswerTracker } from "./answers";

const create = JSON.stringify({ type: "response.create", response: { instructions: "next question" } });

test("a failover that cut the answer owed: the same request is sent again, once", () => {
  const a = new AnswerTracker();
  a.sent("response.create", create);
  a.received({ type: "response.created", response: { id: "r1" } });
  expect(a.received({ type: "proxy.resumed", response_cut: true, cut_response_id: "r1" })).toBe(create);
  expect(a.retried).toBe(1);
  a.received({ type: "response.created", response: { id: "r2" } });
  a.received({ type: "response.done" });
  expect(a.received({ type: "proxy.resumed", response_cut: true })).toBeUndefined();
});

test("nothing owed, or not cut: nothing is sent again", () => {
  const a = new AnswerTracker();
  expect(a.received({ type: "proxy.resumed", response_cut: true })).toBeUndefined();
  a.sent("response.create", create);
  expect(a.received({ type: "proxy.resumed" })).toBeUndefined();
});

test("server VAD's own answer, cut by a lost connection: a plain response.create on the resumed session, none on a new one", () => {
  const a = new AnswerTracker();
  a.received({ type: "response.created", response: { id: "auto" } });
  expect(a.afterReconnect(true)).toBe('{"type":"response.create"}');
  a.received({ type: "response.created", response: { id: "auto2" } });
  expect(a.afterReconnect(false)).toBeUndefined();
  expect(a.afterReconnect(true)).toBeUndefined();
});
