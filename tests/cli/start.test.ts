/**
 * `npm start` as a new user runs it: with redis-server installed it starts one on a free port (the banner
 * says so) and a restart resumes the demo's session; without it the banner says that resume needs Redis;
 * killing npm itself leaves no server holding the port. Temporary data goes in one folder, removed at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseRegistry, findOnPath, registryBanner } from "../../service/src/dev/localRedis";
import { watchParent } from "../../service/src/dev/start";
import { freePort } from "../support/ports";

const root = join(__dirname, "..", "..");
const entry = /&& node (\S+)$/.exec((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start)![1];
const demo = /^(node service\/dist\/service\/src\/dev\/demo\.js .*)$/m;
const SECRET = "a-dev-secret-of-more-than-32-characters-for-restarts";
const work = mkdtempSync(join(tmpdir(), "voice-start-"));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.pid) try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
  // The Redis of the last start saves and exits on its own once its npm start is gone.
  await new Promise((r) => setTimeout(r, 300));
  rmSync(work, { recursive: true, force: true });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, output = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process in its own group (so the test can clean up all of it), its output collected. */
function start(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string } {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, LOG_LEVEL: "warn", ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  return { child, out: () => out };
}

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r())));

describe("which registry npm start uses", () => {
  test("REDIS_URL wins; else redis-server on the PATH; else in-process, and the banner says resume needs Redis", () => {
    expect(chooseRegistry({ REDIS_URL: "redis://r:6379" }, "/usr/bin/redis-server")).toEqual({ kind: "url", url: "redis://r:6379" });
    expect(chooseRegistry({}, "/usr/bin/redis-server")).toEqual({ kind: "spawn", binary: "/usr/bin/redis-server" });
    expect(chooseRegistry({ LOCAL_REDIS: "off" }, "/usr/bin/redis-server").kind).toBe("memory");
    const none = chooseRegistry({}, undefined);
    expect(none).toEqual({ kind: "memory", why: "redis-server is not installed" });
    expect(registryBanner(none)).toMatch(/in-process \(redis-server is not installed\).*resume needs Redis/);
    expect(registryBanner({ kind: "spawn", binary: "x" }, "redis://127.0.0.1:1234")).toMatch(/redis redis:\/\/127\.0\.0\.1:1234 \(redis-server started by npm start.*a restart resumes/);
  });

  test("findOnPath finds an executable and nothing on an empty PATH", () => {
    expect(findOnPath("node", process.env.PATH)).toMatch(/node$/);
    expect(findOnPath("node", "")).toBeUndefined();
  });

  test("watchParent calls back once the parent process changes (npm killed)", async () => {
    let parent = 100;
    const orphaned = jest.fn();
    watchParent(orphaned, 5, () => parent);
    await new Promise((r) => setTimeout(r, 30));
    expect(orphaned).not.toHaveBeenCalled();
    parent = 1;
    await until("the callback", () => orphaned.mock.calls.length === 1, 2_000);
  });
});

describe("npm start", () => {
  test("killing npm (not the server) frees the port: the server does not outlive it, nor does its Redis", async () => {
    const port = await freePort();
    const { child, out } = start("npm", ["start"], { PORT: String(port), AUTH_JWT_SECRET: SECRET, LOCAL_REDIS_DIR: join(work, "redis-a") });
    // npm start builds the service first.
    await until("the banner", () => demo.test(out()), 90_000, out);
    expect(out()).toMatch(/^registry +redis redis:\/\/127\.0\.0\.1:\d+ \(redis-server started by npm start/m);
    const redisPort = Number(/redis:\/\/127\.0\.0\.1:(\d+)/.exec(out())![1]);
    expect(await listening(port)).toBe(true);
    process.kill(child.pid!, "SIGTERM"); // npm's own pid, as `kill <pid of npm>` would
    await until("the port to be free", async () => !(await listening(port)), 15_000, out);
    await until("Redis to stop", async () => !(await listening(redisPort)), 10_000, out);
    await exited(child);
  }, 120_000);

  test("the restart demo resumes: the session continues on the restarted npm start through its Redis", async () => {
    const port = await freePort();
    const env = { PORT: String(port), AUTH_JWT_SECRET: SECRET, LOCAL_REDIS_DIR: join(work, "redis-b") };
    const first = start("node", [entry], env);
    await until("the banner", () => demo.test(first.out()), 20_000, first.out);
    const command = `${demo.exec(first.out())![1]} --turns 3 --pause-ms 1500`;
    const client = start("sh", ["-c", command], {});
    await until("the first turn", () => /turn 1: /.test(client.out()), 20_000, client.out);
    process.kill(first.child.pid!, "SIGTERM"); // the restart: drain, then stop
    await exited(first.child);
    const second = start("node", [entry], env);
    await until("the second banner", () => demo.test(second.out()), 20_000, second.out);
    await exited(client.child);
    expect(client.out()).toMatch(/resumed: \d+ conversation items/);
    expect(client.out()).not.toMatch(/NEW session/);
    expect(client.out()).toMatch(/turn 3: /);
    expect(client.child.exitCode).toBe(0);
    process.kill(second.child.pid!, "SIGTERM");
    await exited(second.child);
  }, 90_000);
});

test("no redis-server on the PATH: npm start says that resume needs Redis", async () => {
  // The built entry, with a PATH that holds node only.
  const port = await freePort();
  const { child, out } = start(process.execPath, [entry], { PORT: String(port), PATH: "/nonexistent" });
  await until("the banner", () => demo.test(out()), 20_000, out);
  expect(out()).toMatch(/^registry +in-process \(redis-server is not installed\).*resume needs Redis/m);
  process.kill(child.pid!, "SIGTERM");
  await exited(child);
}, 30_000);

