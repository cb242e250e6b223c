/**
 * A real redis-server for tests, on a free loopback port, nothing persisted. `.ci/run` installs the
 * binary when it is missing; a test that needs it fails loudly rather than skipping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { freePort } from "./ports";

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** SIGSTOP: the server keeps its sockets open and answers nothing (a frozen Redis). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** A redis-server on `port` (a free one by default): restarting one on the same port is a Redis restarted empty. */
export async function startRedisServer(port?: number, extraArgs: string[] = []): Promise<RedisServer> {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--logfile", "", ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.once("error", (error) => {
    output += `\n${error.message}`;
  });

  const deadline = Date.now() + 5000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${port}: ${output.trim() || "no output (is redis-server installed?)"}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    freeze: () => void child.kill("SIGSTOP"),
    thaw: () => void child.kill("SIGCONT"),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
