/**
 * `npm run smoke` as CI runs it after `pulumi up`, here against the local stack: exit 0 with the
 * first-audio latency for a good turn, 1 with the reason for a bad one, 2 for bad arguments.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { smoke } from "../../service/src/dev/smoke";
import { mintToken, startStack, UPSTREAM_KEY, type TestStack } from "../support/stack";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

test("npm run smoke against the local stack: exit 0, the session and the first-audio latency printed", async () => {
  const token = await mintToken({ sub: "smoke-user" });
  const { stdout } = await run("npm", ["run", "-s", "smoke", "--", "--url", `http://127.0.0.1:${stack.proxy.port}`], {
    cwd: root,
    env: { ...process.env, SMOKE_TOKEN: token },
  });
  expect(stdout).toMatch(/^session: +[0-9a-f-]{36}$/m);
  expect(stdout).toMatch(/^first audio: +\d+\.\d ms after response\.create$/m);
  expect(stdout).toMatch(/^OK$/m);
  expect(stdout).not.toContain(token);
}, 30_000);

test("the stack's wssUrl output as it is (the Voice Live path, no query): the proxy picks the model", async () => {
  const result = await smoke({ url: `ws://127.0.0.1:${stack.proxy.port}/voice-live/realtime`, token: await mintToken({ sub: "smoke-2" }), timeoutMs: 5_000 });
  expect(result.lines.at(-1)).toBe("OK");
  expect(result.ok).toBe(true);
});

test("a refused token: exit 1 and the proxy's reason on stderr", async () => {
  const error = await run("npx", ["tsx", "service/src/dev/smoke.ts", "--url", stack.wsUrl(), "--token", "not-a-jwt"], { cwd: root }).catch((e) => e);
  expect(error.code).toBe(1);
  expect(error.stderr).toMatch(/^FAIL: refused at the upgrade: HTTP 401 .*token_malformed/m);
}, 30_000);

test("bad arguments: exit 2 with the usage", async () => {
  const error = await run("npx", ["tsx", "service/src/dev/smoke.ts", "--url", "ftp://x"], { cwd: root }).catch((e) => e);
  expect(error.code).toBe(2);
  expect(error.stderr).toContain("usage: npm run smoke");
}, 30_000);

test("an endpoint that answers but is not the proxy (the upstream itself) fails: the check is of the deployment, not of any realtime server", async () => {
  const direct = `ws://127.0.0.1:${stack.emulators[0].port}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`;
  const result = await smoke({ url: direct, token: UPSTREAM_KEY, timeoutMs: 5_000 });
  expect(result.ok).toBe(false);
  expect(result.lines.at(-1)).toMatch(/not the voice proxy/);
});

test("nothing listening: fails with the connection error, promptly", async () => {
  const result = await smoke({ url: "ws://127.0.0.1:1/voice-live/realtime?model=m", token: "t", timeoutMs: 5_000 });
  expect(result.ok).toBe(false);
  expect(result.lines.at(-1)).toMatch(/^FAIL: connection failed: .*ECONNREFUSED/);
});
