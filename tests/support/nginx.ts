/**
 * A real nginx for tests: the shipped site config (deploy/nginx) rendered for the test's instances,
 * wrapped in a minimal main config whose paths all live in a temporary prefix, on a free loopback port.
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderNginxSite } from "../../deploy/nginx/render";
import { nginxMainConfig } from "../../service/src/dev/nginxConfig";
import { freePort } from "./ports";

export interface Nginx {
  url: string;
  port: number;
  errorLog(): string;
  /** SIGKILL to nginx and its worker at once (a machine gone), unlike `stop`. */
  kill(): void;
  stop(): Promise<void>;
}

export function nginxBinary(): string {
  for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v nginx"]).toString().trim();
  } catch {
    throw new Error("nginx is not installed (.ci/run installs it with apt-get)");
  }
}

/**
 * nginx with the shipped site for `servers`, or with the site `render` returns for the listen address
 * (e.g. the front of two regions in tests/support/regions.ts).
 */
export async function startNginx(servers: string[], render?: (listen: string) => string): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), "nginx-"));
  mkdirSync(join(prefix, "logs"));
  mkdirSync(join(prefix, "temp"));
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const site = render ? render(listen) : renderNginxSite({ listen, servers });
  writeFileSync(join(prefix, "nginx.conf"), nginxMainConfig({ prefix, site, workerConnections: 1024, errorLogLevel: "info" }));
  // Its own process group: `kill` takes the worker down with the master.
  const child = spawn(nginxBinary(), ["-p", prefix, "-c", join(prefix, "nginx.conf")], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/nginx-probe`);
      await res.arrayBuffer();
      break; // any HTTP answer means nginx is up
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nginx did not start: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    errorLog: () => readFileSync(join(prefix, "logs", "error.log"), "utf8"),
    kill() {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Fast shutdown: a graceful one (SIGQUIT) waits for every open WebSocket to end.
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
