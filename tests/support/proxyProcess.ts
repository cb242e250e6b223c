/**
 * One proxy instance as its own process (`service/src/server/main.ts` under tsx), started and awaited
 * until its /readyz answers 200: what the test clusters and the region harness run when they need a real
 * kill -9 or SIGTERM.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProxyProcess {
  exited: Promise<number | null>;
  terminate(): void;
  kill(): void;
  /** The last 4,000 characters the process wrote to stderr. */
  log(): string;
}

export async function spawnProxyProcess(env: NodeJS.ProcessEnv, port: number, adminPort: number, label = `instance on ${port}`): Promise<ProxyProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "service/src/server/main.ts")], {
    cwd: root, env: { ...env, PORT: String(port), ADMIN_PORT: String(adminPort) }, stdio: ["ignore", "ignore", "pipe"],
  });
  let tail = "";
  child.stderr?.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Generous: several processes compile TypeScript at once on a shared machine.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`${label} did not start: ${tail}`);
    }
    await sleep(50);
  }
  return { exited, terminate: () => void child.kill("SIGTERM"), kill: () => void child.kill("SIGKILL"), log: () => tail };
}
