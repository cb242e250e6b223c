/**
 * Byte accounting of resume state: every field counts, in UTF-8 of the stored JSON, so an id, an escape
 * or a multi-byte character cannot carry a payload past the bounds. Pure, no store.
 */
import { RESUME_STATE_DEFAULTS } from "../../../contracts";
import { Conversation, type ConversationItem } from "./conversation";
import { configBytes, itemBytes, itemRefusal } from "./resumeBudget";

const limits = { itemMaxBytes: 1000, conversationMaxBytes: 3000, maxItems: 400, configMaxBytes: 500 };

test("an item costs the UTF-8 bytes of its stored JSON: ids, escapes and multi-byte characters included", () => {
  // {"kind":"function_call_output","callId":"<id>","output":""} is 55 bytes around the id.
  const bigId: ConversationItem = { kind: "function_call_output", callId: "x".repeat(900_000), output: "" };
  expect(itemBytes(bigId)).toBe(900_000 + 55);
  // JSON writes U+0001 as the six characters \u0001: 1,000 of them are 6,000 bytes stored.
  // {"kind":"message","role":"user","text":""} is 42 bytes around the text.
  const escapes: ConversationItem = { kind: "message", role: "user", text: "\u0001".repeat(1000) };
  expect(itemBytes(escapes)).toBe(6000 + 42);
  // "é" is 2 bytes in UTF-8, "€" 3, "😀" 4 (one character each to the eye, 1, 1 and 2 UTF-16 units).
  const accents: ConversationItem = { kind: "message", role: "user", text: "é€😀" };
  expect(itemBytes(accents)).toBe(2 + 3 + 4 + 42);
  expect(configBytes({ instructions: "ab" })).toBe('{"instructions":"ab"}'.length);
});

test("the conversation keeps its newest items within the session's bytes; an item over the per-item bound is not kept", () => {
  const c = new Conversation(limits);
  // Each of these stores 42 + 1 + 6 x 149 = 937 bytes while holding 150 characters of text.
  const escaped = (n: number): ConversationItem => ({ kind: "message", role: "user", text: `${n}`.padEnd(150, "\u0001") });
  for (let i = 0; i < 10; i++) expect(c.add(escaped(i))).toBe(true);
  // 3,000 bytes hold three of them (2,811 bytes); a count of characters (1,500) would have kept all ten.
  expect(c.items.map((i) => (i.kind === "message" ? i.text[0] : ""))).toEqual(["7", "8", "9"]);
  expect(c.bytes).toBe(3 * 937);
  expect(c.dropped).toBe(7);
  const huge: ConversationItem = { kind: "function_call_output", callId: "y".repeat(2000), output: "" };
  expect(c.add(huge)).toBe(false);
  expect(c.items).toHaveLength(3);
  expect(c.dropped).toBe(8);
});

test("a client's item over the per-item bound is refused with a message naming the limit and its variable", () => {
  const c = new Conversation(limits);
  const refusal = c.refusal({ kind: "function_call_output", callId: "z".repeat(5000), output: "ok" });
  expect(refusal?.code).toBe("conversation_item_too_large");
  expect(refusal?.message).toContain("1000-byte limit (RESUME_ITEM_MAX_BYTES)");
  expect(c.refusal({ kind: "message", role: "user", text: "hello" })).toBeUndefined();
  expect(itemRefusal(RESUME_STATE_DEFAULTS.itemMaxBytes, RESUME_STATE_DEFAULTS)).toBeUndefined();
  expect(itemRefusal(32 * 1024 + 1, RESUME_STATE_DEFAULTS)?.message).toContain("32768-byte limit");
});

test("a session.update over the configuration bound changes nothing and says which limit", () => {
  const c = new Conversation(limits);
  expect(c.update({ instructions: "short" })).toEqual({ config: { instructions: "short" } });
  const result = c.update({ tools: [{ name: "t", description: "\u0001".repeat(100) }] });
  expect(result && "refusal" in result && result.refusal.message).toContain("500-byte limit (RESUME_CONFIG_MAX_BYTES)");
  expect(c.config).toEqual({ instructions: "short" });
});
