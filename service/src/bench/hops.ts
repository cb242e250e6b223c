/**
 * The paths the bench compares, each started fresh for a run and stopped after it:
 * - direct: clients connect to the peer itself (the floor: no hop at all);
 * - nginx: the repository's own site config (deploy/nginx) in a real nginx, one worker, pinned to the
 *   hop core; nginx does not parse WebSocket frames after the upgrade, so it is the floor for a hop;
 * - ws-floor: bareRelay.ts, a relay that only forwards messages with ws (the floor for a Node hop);
 * - proxy: the voice proxy as production starts it (`node .../server/main.js`, configuration from the
 *   environment), in its own process pinned to the hop core, with the peer as its only upstream;
 * - proxy-tls: the same with the upstream leg over TLS (wss://), as it is to Azure in production (the
 *   client leg stays plain: Container Apps' ingress terminates the client's TLS before the replica).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Env } from "../../../contracts";
import { LOCAL_VOICE_LIVE_PATH, localEnv, localUpstreams, mintDevToken } from "../dev/localStack";
import { nginxMainConfig } from "../dev/nginxConfig";
import { freePort } from "../dev/ports";
import { processTree } from "./procStat";

export const HOP_NAMES = ["direct", "nginx", "ws-floor", "proxy", "proxy-tls"] as const;
export type HopName = (typeof HOP_NAMES)[number];

export interface Hop {
  name: HopName;
  /** Where clients connect, path and query included. */
  url: string;
  headers: Record<string, string>;
  /** Processes whose CPU and memory are the hop's (empty for direct). */
  pids(): number[];
  stop(): Promise<void>;
  /** Anything the hop wrote to stderr (the proxy's warnings, nginx's errors). */
  log(): string;
}

export interface HopOptions {
  peerPort: number;
  peerKey: string;
  /** The peer's certificate (PEM file) when it speaks TLS: the proxy trusts it as an extra CA. */
  peerCertFile?: string;
  /** Command prefix that pins a process to the hop core (`taskset -c 1`), or [] where pinning is unavailable. */
  pin: string[];
  sessions: number;
  /** Extra node flags for the proxy (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Show the proxy's stdout (its logs, and --trace-gc output) instead of discarding it. */
  showStdout?: boolean;
}

/** Every hop process alive, so an interrupted bench leaves none behind (see `killStrays`). */
const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Synchronous, for process "exit": SIGKILL whatever hop process is still running. */
export function killStrays(): void {
  for (const child of live) child.kill("SIGKILL");
}

export { freePort };

async function waitFor(check: () => Promise<boolean>, what: string, child?: ChildProcess, log?: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch { /* not yet */ }
    if (child && child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${log?.() ?? ""}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within 10 s: ${log?.() ?? ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops a child: `signal`, then SIGKILL if it has not exited after `graceMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function capture(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (text.length < 20_000) text += chunk.toString();
  });
  return () => text;
}

export async function startHop(name: HopName, options: HopOptions): Promise<Hop> {
  const direct = `ws://127.0.0.1:${options.peerPort}${LOCAL_VOICE_LIVE_PATH}`;
  if (name === "direct") {
    return { name, url: direct, headers: { "api-key": options.peerKey }, pids: () => [], stop: async () => undefined, log: () => "" };
  }
  if (name === "nginx") return startNginx(options);
  if (name === "ws-floor") return startWsFloor(options);
  return startProxyProcess(name, options);
}

async function startProxyProcess(name: "proxy" | "proxy-tls", options: HopOptions): Promise<Hop> {
  const port = await freePort();
  const secret = randomBytes(32).toString("hex");
  if (name === "proxy-tls" && !options.peerCertFile) throw new Error("proxy-tls needs the peer's certificate");
  const peerUrl = `${name === "proxy-tls" ? "https" : "http"}://127.0.0.1:${options.peerPort}`;
  // Only what the service reads: no REDIS_URL or Application Insights string leaks in from the shell.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...localEnv({ upstreams: localUpstreams([peerUrl]), upstreamKey: options.peerKey, secret, port: String(port) }),
    [Env.maxSessionsPerInstance]: String(options.sessions + 100),
    [Env.maxSessionsPerUser]: String(options.sessions + 100),
    ...(name === "proxy-tls" ? { NODE_EXTRA_CA_CERTS: options.peerCertFile! } : {}),
  };
  const main = join(__dirname, "..", "server", "main.js");
  const [command, ...args] = [...options.pin, process.execPath, ...(options.nodeFlags ?? []), main];
  const child = track(spawn(command, args, { env, stdio: ["ignore", options.showStdout ? "inherit" : "ignore", "pipe"] }));
  const log = capture(child);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, "the proxy", child, log);
  const token = await mintDevToken(secret, { sub: "bench", exp: "2h" });
  return {
    name,
    url: `ws://127.0.0.1:${port}${LOCAL_VOICE_LIVE_PATH}`,
    headers: { authorization: `Bearer ${token}` },
    pids: () => [child.pid!],
    // SIGTERM is production's drain; the process then exits, writing its --cpu-prof profile if asked to.
    stop: () => stopChild(child, "SIGTERM"),
    log,
  };
}

/** The repository checkout this bench runs from (deploy/ is not part of the service or its image). */
function repositoryRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "deploy", "nginx", "render.ts"))) return dir;
  }
  throw new Error("the nginx hop needs the repository checkout (deploy/nginx/render.ts not found above the bench)");
}

/**
 * The shipped site config, rendered by deploy/nginx/render.ts's own command line. The service (and its
 * image, whose build context has no deploy/) does not import it: the bench runs it with tsx, as an
 * operator would.
 */
function renderSite(listen: string, servers: string[]): string {
  const root = repositoryRoot();
  const tsx = require.resolve("tsx/cli", { paths: [root] });
  return execFileSync(process.execPath, [tsx, join(root, "deploy", "nginx", "render.ts"), "--listen", listen, ...servers], { cwd: root, encoding: "utf8" });
}

async function startWsFloor(options: HopOptions): Promise<Hop> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PORT: String(port),
    BARE_UPSTREAM: `ws://127.0.0.1:${options.peerPort}${LOCAL_VOICE_LIVE_PATH}`,
    BARE_API_KEY: options.peerKey,
  };
  const [command, ...args] = [...options.pin, process.execPath, ...(options.nodeFlags ?? []), join(__dirname, "bareRelay.js")];
  const child = track(spawn(command, args, { env, stdio: ["ignore", options.showStdout ? "inherit" : "ignore", "pipe"] }));
  const log = capture(child);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, "the ws floor relay", child, log);
  return {
    name: "ws-floor",
    url: `ws://127.0.0.1:${port}${LOCAL_VOICE_LIVE_PATH}`,
    headers: {},
    pids: () => [child.pid!],
    stop: () => stopChild(child, "SIGTERM"),
    log,
  };
}

/** A throw-away self-signed certificate for 127.0.0.1 (openssl), for the TLS upstream. */
export function makeLoopbackCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, "peer-cert.pem");
  const keyFile = join(dir, "peer-key.pem");
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
  } catch {
    throw new Error("proxy-tls needs openssl to make a loopback certificate (or leave it out of --hops)");
  }
  return { certFile, keyFile };
}

export function nginxBinary(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx"]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * nginx as tests/support/nginx.ts runs it (non-daemon, every path in a temporary prefix), with the
 * shipped site config, one worker (one core, like the proxy) and enough connections for the run:
 * two per session plus slack.
 */
async function startNginx(options: HopOptions): Promise<Hop> {
  const binary = nginxBinary();
  if (!binary) throw new Error("nginx is not installed (apt-get install nginx, or leave it out with --hops direct,proxy)");
  const prefix = mkdtempSync(join(tmpdir(), "bench-nginx-"));
  mkdirSync(join(prefix, "logs"));
  mkdirSync(join(prefix, "temp"));
  const port = await freePort();
  const connections = 2 * options.sessions + 256;
  const site = renderSite(`127.0.0.1:${port}`, [`127.0.0.1:${options.peerPort}`]);
  writeFileSync(join(prefix, "nginx.conf"), nginxMainConfig({ prefix, site, workerConnections: connections }));
  const [command, ...args] = [...options.pin, binary, "-p", prefix, "-c", join(prefix, "nginx.conf")];
  const child = track(spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] }));
  const stderr = capture(child);
  const log = () => {
    let errors = "";
    try {
      errors = readFileSync(join(prefix, "logs", "error.log"), "utf8");
    } catch { /* not yet written */ }
    return stderr() + errors;
  };
  await waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/nginx-probe`);
    await res.arrayBuffer();
    return true; // any HTTP answer means nginx is up
  }, "nginx", child, log);
  return {
    name: "nginx",
    url: `ws://127.0.0.1:${port}${LOCAL_VOICE_LIVE_PATH}`,
    headers: { "api-key": options.peerKey },
    pids: () => processTree(child.pid!),
    async stop() {
      await stopChild(child, "SIGQUIT");
      rmSync(prefix, { recursive: true, force: true });
    },
    log,
  };
}
