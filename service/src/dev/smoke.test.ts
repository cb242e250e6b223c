import { parseSmokeArgs } from "./smoke";

test("a bare host gets the Voice Live path and --model; https becomes wss", () => {
  expect(parseSmokeArgs(["--url", "https://voice.example.com", "--model", "gpt-4o-realtime"], {}).url).toBe(
    "wss://voice.example.com/voice-live/realtime?api-version=2025-10-01&model=gpt-4o-realtime",
  );
  expect(parseSmokeArgs(["--url", "wss://voice.example.com/"], {}).url).toContain("model=gpt-realtime");
});

test("a full URL is used as given; the token comes from --token or SMOKE_TOKEN", () => {
  const url = "wss://voice.example.com/openai/v1/realtime?model=gpt-realtime";
  expect(parseSmokeArgs(["--url", url], { SMOKE_TOKEN: "t1" })).toEqual({ url, token: "t1", timeoutMs: 20_000 });
  expect(parseSmokeArgs(["--url", url, "--token", "t2"], { SMOKE_TOKEN: "t1" }).token).toBe("t2");
});

test.each([
  [[], /--url is required/],
  [["--url"], /--url needs a value/],
  [["--url", "not a url"], /not a URL/],
  [["--url", "ftp://x"], /must be ws/],
  [["--url", "wss://x/openai/v1/realtime?model=a", "--model", "b"], /only applies to a bare host/],
  [["--url", "wss://x", "--timeout-ms", "5"], /timeout-ms/],
  [["--url", "wss://x", "--verbose", "1"], /unknown argument "--verbose"/],
])("%j is refused", (argv, message) => {
  expect(() => parseSmokeArgs(argv as string[], {})).toThrow(message);
});
