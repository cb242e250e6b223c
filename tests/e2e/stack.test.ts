/**
 * End to end on one machine: real nginx in front of two proxy instances sharing a real redis-server,
 * the emulator as upstream; and `npm start` as a new user runs it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { runTurns } from "../../service/src/dev/turn";
import { createRedisState } from "../../service/src/registry/redis";
import { startNginx, type Nginx } from "../support/nginx";
import { freePort } from "../support/ports";
import { startRedisServer, type RedisServer } from "../support/redisServer";
import { connect, mintToken, refusal, startStack, type TestStack } from "../support/stack";

const root = join(__dirname, "..", "..");

describe("nginx + two proxy instances + redis", () => {
  let redis: RedisServer;
  let a: TestStack;
  let b: TestStack;
  let nginx: Nginx;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { MAX_SESSIONS_PER_USER: "2" };
    a = await startStack({ env, deps: { state: await createRedisState(redis.url, { prefix: "e2e:" }), instanceId: "a" } });
    b = await startStack({ env, deps: { state: await createRedisState(redis.url, { prefix: "e2e:" }), instanceId: "b" } });
    nginx = await startNginx([`127.0.0.1:${a.proxy.port}`, `127.0.0.1:${b.proxy.port}`]);
  }, 30_000);
  afterAll(async () => {
    await nginx?.stop();
    await a?.stop();
    await b?.stop();
    await a?.state.close();
    await b?.state.close();
    await redis?.stop();
  });
  const viaNginx = (path = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime") => `ws://127.0.0.1:${nginx.port}${path}`;

  test("a full turn through nginx", async () => {
    const result = await runTurns({ url: viaNginx(), token: await mintToken({ sub: "e2e-turn" }) });
    expect(result.turns[0].audioSeconds).toBeCloseTo(0.4, 5);
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("the per-user limit holds across instances (Redis); nginx passes the 429 body through", async () => {
    const token = await mintToken({ sub: "e2e-limited" });
    const onA = await connect(a.wsUrl(), token);
    const onB = await connect(b.wsUrl(), token);
    await Promise.all([onA.waitFor("session.created"), onB.waitFor("session.created")]);
    expect(await refusal(viaNginx(), token)).toMatchObject({ status: 429, code: "user_session_limit" });
    onA.ws.close();
    await onA.closed;
    await new Promise((r) => setTimeout(r, 100));
    const again = await connect(viaNginx(), token);
    await again.waitFor("session.created");
    again.ws.close();
    onB.ws.close();
  });

  test("a refused token is a 401 with its reason through nginx, and nothing is retried elsewhere", async () => {
    const before = a.emulators[0].stats().connections + b.emulators[0].stats().connections;
    expect(await refusal(viaNginx(), "garbage")).toMatchObject({ status: 401, code: "token_malformed" });
    expect(a.emulators[0].stats().connections + b.emulators[0].stats().connections).toBe(before);
  });

  test("health through nginx", async () => {
    const res = await fetch(`http://127.0.0.1:${nginx.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });
});

describe("npm start", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGTERM");
  });

  test("builds, starts on PORT, and the printed command completes a turn through the proxy", async () => {
    // What `npm start` runs: its build step, then its node entry point (read from package.json).
    await promisify(execFile)("npm", ["run", "build", "-w", "service"], { cwd: root });
    const entry = /&& node (\S+)$/.exec(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.start)![1];
    const port = await freePort();
    child = spawn("node", [entry], { cwd: root, env: { ...process.env, PORT: String(port) } });
    let out = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 15_000;
    const printed = /^(node service\/dist\/service\/src\/dev\/demo\.js .*)$/m;
    while (!printed.test(out)) {
      if (Date.now() > deadline) throw new Error(`npm start printed no command:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const command = printed.exec(out)![1];
    expect(command).toContain(`ws://127.0.0.1:${port}/voice-live/realtime`);
    const { stdout } = await promisify(execFile)("sh", ["-c", command], { cwd: root });
    expect(stdout).toMatch(/turn 1: "Thanks, that is helpful\." \(2\.00 s of audio, first audio \d+\.\d ms after response\.create\)/);
    expect(stdout).toMatch(/first audio: +\d+\.\d ms after response\.create/);
  }, 60_000);
});
