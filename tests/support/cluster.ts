/**
 * A small production-like cluster for the survival experiments: a real redis-server, emulated upstreams,
 * N proxy instances and a real nginx with the shipped site template in front. An instance is a process
 * (service/src/server/main.ts, as the image runs it; stopped with SIGTERM) or, where starting processes
 * is too slow (the test suite on a shared machine), a proxy in this process with its own Redis
 * connection, stopped by the same drain (`proxy.close` with the drain timings main.ts uses). Instances
 * can be stopped and started again on the same port.
 */
import pino from "pino";
import { loadConfig } from "../../service/src/config";
import { createRedisState } from "../../service/src/registry/redis";
import { startProxy } from "../../service/src/server/proxy";
import { drainTimings } from "../../service/src/session/drain";
import { LOCAL_KEY_ENV, localUpstreams } from "../../service/src/dev/localStack";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../service/src/emulator";
import { startNginx, type Nginx } from "./nginx";
import { freePort } from "./ports";
import { spawnProxyProcess } from "./proxyProcess";
import { startRedisServer, type RedisServer } from "./redisServer";
import { SECRET, UPSTREAM_KEY } from "./stack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Instance {
  port: number;
  /** The operators' listener (ADMIN_PORT): its /healthz counts the sessions (the public one says only ok). */
  adminPort: number;
  /** Resolves with the exit code (an in-process instance: 0 once its drain finished). */
  exited: Promise<number | null>;
  /** SIGTERM: the drain. */
  terminate(): void;
  /** SIGKILL (an in-process instance: its sockets are cut). */
  kill(): void;
  /** The last lines the process wrote to stderr (for a failure message). */
  log(): string;
}

export interface ClusterOptions {
  instances: number;
  /** Proxy processes (default), or proxies in this process. */
  inline?: boolean;
  emulators: EmulatorOptions[];
  /** Extra environment of every proxy process. */
  env?: Record<string, string>;
}

export interface Cluster {
  redis: RedisServer;
  emulators: Emulator[];
  nginx: Nginx;
  instances: Instance[];
  /** ws:// through nginx. */
  wsUrl(path: string): string;
  /** SIGTERM, wait for the exit (the drain), start it again on its port; resolves with the exit code once it is ready. */
  restart(index: number): Promise<number | null>;
  /** SIGKILL (kill -9): no drain; resolves once it is gone. */
  killInstance(index: number): Promise<number | null>;
  /** SIGTERM for good (a scale-in); resolves with the exit code. */
  stopInstance(index: number): Promise<number | null>;
  /** Stops redis-server and starts an empty one on the same port after `downMs` (a Redis restarted without its data). */
  restartRedis(downMs: number): Promise<void>;
  /** Sessions open on each instance (its operators' /healthz; 0 for an instance that is gone). */
  sessions(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const redis = await startRedisServer();
  const emulators = await Promise.all(options.emulators.map((o) => startEmulator({ apiKey: UPSTREAM_KEY, ...o })));
  const env = {
    ...process.env, HOST: "127.0.0.1", AUTH_JWT_SECRET: SECRET, REDIS_URL: redis.url,
    UPSTREAMS: JSON.stringify(localUpstreams(emulators.map((e) => e.url))), [LOCAL_KEY_ENV]: UPSTREAM_KEY,
    DRAIN_DELAY_SECONDS: "1", TERMINATION_GRACE_SECONDS: "30", MAX_SESSIONS_PER_INSTANCE: "400", MAX_SESSIONS_PER_USER: "2",
    ...options.env,
  };

  async function inlineInstance(port: number, adminPort: number): Promise<Instance> {
    const config = loadConfig({ ...env, PORT: String(port), ADMIN_PORT: String(adminPort) } as Record<string, string>);
    // The production Redis deadline (1 s). A deadline missed because this process's event loop is busy
    // marks the session's state for a whole rewrite at the next heartbeat; that rewrite is fenced by
    // generation, so it never overwrites the session resumed elsewhere meanwhile (unfenced, it could, and
    // the resumed session would end with 4001 at its next write).
    const state = await createRedisState(redis.url, { resumeTtlSeconds: config.resumeTtlSeconds, limits: config.resumeState });
    const proxy = await startProxy(config, { state, logger: pino({ level: "silent" }), host: "127.0.0.1" });
    const timings = drainTimings(config.terminationGraceSeconds, config.drainDelaySeconds);
    let exit: (code: number | null) => void = () => undefined;
    const exited = new Promise<number | null>((resolve) => (exit = resolve));
    let stopping = false;
    const stop = async (drain: boolean) => {
      if (stopping) return;
      stopping = true;
      await proxy.close(drain ? timings.closeMs : 0);
      await state.close().catch(() => undefined);
      exit(0);
    };
    return { port, adminPort, exited, terminate: () => void stop(true), kill: () => void stop(false), log: () => "" };
  }

  async function spawnInstance(port: number, adminPort: number): Promise<Instance> {
    if (options.inline) return inlineInstance(port, adminPort);
    return { port, adminPort, ...(await spawnProxyProcess(env, port, adminPort)) };
  }

  const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
  const adminPorts = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
  const started = await Promise.allSettled(ports.map((port, i) => spawnInstance(port, adminPorts[i])));
  const instances = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  let nginx: Nginx;
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  } catch (error) {
    for (const i of instances) i.kill();
    await Promise.all(emulators.map((e) => e.close()));
    await redis.stop();
    throw error;
  }
  const cluster: Cluster = {
    redis, emulators, nginx, instances,
    wsUrl: (path) => `ws://127.0.0.1:${nginx.port}${path}`,
    async restart(index) {
      const old = instances[index];
      old.terminate();
      const code = await old.exited;
      instances[index] = await spawnInstance(old.port, old.adminPort);
      return code;
    },
    async restartRedis(downMs) {
      await cluster.redis.stop();
      await sleep(downMs);
      cluster.redis = await startRedisServer(cluster.redis.port);
    },
    async killInstance(index) {
      instances[index].kill();
      return instances[index].exited;
    },
    async stopInstance(index) {
      instances[index].terminate();
      return instances[index].exited;
    },
    async sessions() {
      return Promise.all(instances.map(async (i) => {
        let body: { sessions?: unknown };
        try {
          body = (await (await fetch(`http://127.0.0.1:${i.adminPort}/healthz`)).json()) as { sessions?: unknown };
        } catch {
          return 0; // not listening: stopped, or between a stop and its start
        }
        if (typeof body.sessions !== "number") throw new Error(`the operators' /healthz on ${i.adminPort} has no session count: ${JSON.stringify(body)}`);
        return body.sessions;
      }));
    },
    async stop() {
      await nginx.stop();
      for (const i of instances) i.kill();
      await Promise.all(instances.map((i) => i.exited));
      await Promise.all(emulators.map((e) => e.close()));
      await cluster.redis.stop();
    },
  };
  return cluster;
}
