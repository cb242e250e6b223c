import { CloseCode } from "../../../contracts/protocol";
import { backoffDelay, closeAction, DEFAULT_RECONNECT, validatePolicy } from "./policy";

describe("backoffDelay", () => {
  const policy = { ...DEFAULT_RECONNECT, initialDelayMs: 250, maxDelayMs: 8_000, multiplier: 2 };

  test("doubles per attempt up to the cap, without jitter", () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, noJitter, () => 0.9))).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test("jitter scales only its share of the delay: half jitter stays within [ceiling/2, ceiling]", () => {
    const half = { ...policy, jitter: 0.5 };
    expect(backoffDelay(3, half, () => 0)).toBe(500);
    expect(backoffDelay(3, half, () => 0.999999)).toBe(1000);
    const full = { ...policy, jitter: 1 };
    expect(backoffDelay(3, full, () => 0)).toBe(0);
  });

  test("a bad policy is refused with every problem named", () => {
    expect(() => validatePolicy({ ...policy, maxAttempts: -1, jitter: 2, multiplier: 0.5 })).toThrow(
      /maxAttempts must be a whole number >= 0.*multiplier must be >= 1.*jitter must be in \[0, 1\]/,
    );
    expect(() => validatePolicy({ ...policy, initialDelayMs: 9_000 })).toThrow(/maxDelayMs must be >= initialDelayMs/);
  });
});

describe("closeAction", () => {
  test.each([
    [CloseCode.restart, "now"],
    [CloseCode.tryAgainLater, "retry"],
    [CloseCode.internal, "retry"],
    [1001, "retry"],
    [1005, "retry"],
    [1006, "retry"],
    [CloseCode.normal, "stop"],
    [CloseCode.policy, "stop"],
    [CloseCode.tooBig, "stop"],
    [CloseCode.sessionTimeLimit, "stop"],
    [CloseCode.replaced, "stop"],
    [4999, "stop"],
    [3000, "stop"],
  ])("close %i after the upgrade: %s", (code, action) => {
    expect(closeAction({ code, opened: true })).toBe(action);
  });

  test.each([
    [401, "stop"], [403, "stop"], [404, "stop"], [400, "stop"],
    [408, "retry"], [429, "retry"], [500, "retry"], [502, "retry"], [503, "retry"],
  ])("upgrade refused with HTTP %i: %s", (httpStatus, action) => {
    expect(closeAction({ code: 1006, opened: false, httpStatus })).toBe(action);
  });

  test("a refused upgrade whose status cannot be seen (browsers) is retried, within the attempt bound", () => {
    expect(closeAction({ code: 1006, opened: false })).toBe("retry");
  });
});
