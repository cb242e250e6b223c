/** Where the user's token is found. */
import { extractToken } from "./auth";

test("token places", () => {
  const req = (headers: Record<string, string>, url = "/voice-live/realtime") => ({ headers, url });
  expect(extractToken(req({ authorization: "Bearer abc" }))).toBe("abc");
  expect(extractToken(req({ "api-key": "def" }))).toBe("def");
  expect(extractToken(req({}, "/x?api-key=ghi"))).toBe("ghi");
  expect(extractToken(req({}, "/x?token=jkl"))).toBe("jkl");
  expect(extractToken(req({ "sec-websocket-protocol": "realtime, openai-insecure-api-key.mno" }))).toBe("mno");
  expect(extractToken(req({}))).toBeUndefined();
});

