/**
 * The session registry `npm start` uses. Resuming a session after a restart needs its state to outlive
 * the proxy process, which the in-process registry cannot do. So:
 *   - REDIS_URL set: that Redis;
 *   - else `redis-server` on the PATH (and LOCAL_REDIS is not `off`): one started by `npm start` on a free
 *     loopback port, its data in a folder of the working copy (.local/redis) that it saves on shutdown
 *     and loads on the next start, so a restarted `npm start` finds the sessions it drained;
 *   - else the in-process registry, and the banner says that resume needs Redis.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { delimiter, join } from "node:path";
import { freePort } from "./ports";

export type RegistryChoice =
  | { kind: "url"; url: string }
  | { kind: "spawn"; binary: string }
  | { kind: "memory"; why: string };

/** An executable of that name on the PATH, or undefined. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Pure: which registry, from the environment and where redis-server is (if anywhere). */
export function chooseRegistry(env: Record<string, string | undefined>, redisServer: string | undefined): RegistryChoice {
  if (env.REDIS_URL) return { kind: "url", url: env.REDIS_URL };
  if (env.LOCAL_REDIS === "off") return { kind: "memory", why: "LOCAL_REDIS=off" };
  if (redisServer) return { kind: "spawn", binary: redisServer };
  return { kind: "memory", why: "redis-server is not installed" };
}

/** Pure: the banner line that says which registry and what it means for a restart. */
export function registryBanner(choice: RegistryChoice, url?: string): string {
  switch (choice.kind) {
    case "url":
      return `registry       redis ${choice.url} (REDIS_URL): a restart of npm start resumes open sessions`;
    case "spawn":
      return `registry       redis ${url} (redis-server started by npm start, data in .local/redis): a restart resumes open sessions`;
    case "memory":
      return `registry       in-process (${choice.why}): a restart starts NEW sessions; resume needs Redis (install redis-server, or set REDIS_URL)`;
  }
}

export interface LocalRedis {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM: Redis saves its data (the `save` point below) and exits. Safe to call twice; synchronous (for an exit handler). */
  stop(): void;
  exited: Promise<void>;
}

const PIDFILE = "redis.pid";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A previous npm start's Redis may still be saving (it was just stopped) or be left over (its npm start
 * was killed with SIGKILL): wait for it, then stop it, so two never share the data folder.
 */
async function waitForPrevious(dir: string, waitMs: number): Promise<void> {
  const file = join(dir, PIDFILE);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + waitMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) {
    process.kill(pid, "SIGTERM");
    const second = Date.now() + waitMs;
    while (alive(pid) && Date.now() < second) await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startLocalRedis(options: { binary: string; dir: string; startTimeoutMs?: number }): Promise<LocalRedis> {
  mkdirSync(options.dir, { recursive: true });
  await waitForPrevious(options.dir, 5_000);
  const port = await freePort();
  const child: ChildProcess = spawn(options.binary, [
    "--port", String(port), "--bind", "127.0.0.1",
    "--dir", options.dir, "--dbfilename", "dump.rdb", "--pidfile", join(options.dir, PIDFILE),
    // A save point makes Redis write its data on shutdown (SIGTERM) and load it at the next start.
    "--save", "60 1", "--appendonly", "no", "--logfile", "",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (error) => (stderr += error.message));
  const deadline = Date.now() + (options.startTimeoutMs ?? 5_000);
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    exited,
    stop() {
      if (stopped || child.exitCode !== null) return;
      stopped = true;
      child.kill("SIGTERM");
    },
  };
}
