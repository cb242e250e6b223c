/**
 * Two regions on one machine, loopback only, for the region-failure experiments
 * (tests/support/regionFailover.ts). Each region is what a deployment region runs: its own redis-server,
 * its own upstream (an emulator), two proxy instances (processes running service/src/server/main.ts as
 * the image does, or proxies in this process where starting processes is too slow: the test suite), and
 * its own nginx from the shipped site template (deploy/nginx) in front of them. A front nginx stands in
 * for the global entry (Front Door / Traffic Manager): region A is the primary, region B the backup.
 *
 * The front proves passive failover only: a new connection that region A refuses (connection refused,
 * 502, 503: `proxy_next_upstream error timeout http_502 http_503`) goes to region B on the same attempt.
 * Like the region template it marks nothing down (`max_fails=0`: a mark is cleared only when a request
 * ends, and a WebSocket ends with its session; deploy/nginx/render.ts says more), so every new
 * connection tries A first and pays one refused connect while A is gone. What it cannot show: DNS TTLs
 * (Traffic Manager), active health probes and their timing (Front Door, Traffic Manager), and the
 * latency between real regions; docs/resume-replication.md lists them.
 *
 * Every proxy of the front gets the header Front Door sets (X-Azure-FDID) and the proxies accept a list
 * of profile ids (FRONT_DOOR_ID), as a stack fronted by several profiles does.
 */
import pino from "pino";
import { loadConfig } from "../../service/src/config";
import { LOCAL_KEY_ENV, localUpstreams } from "../../service/src/dev/localStack";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../service/src/emulator";
import { createSharedState } from "../../service/src/server/main";
import { startProxy } from "../../service/src/server/proxy";
import { startNginx, type Nginx } from "./nginx";
import { freePort } from "./ports";
import { spawnProxyProcess } from "./proxyProcess";
import { startRedisServer, type RedisServer } from "./redisServer";
import { SECRET, UPSTREAM_KEY } from "./stack";


/** The profile id the front sends, and another profile's: the proxies accept both. */
export const FRONT_DOOR_IDS = ["fd-front-primary", "fd-front-second"];

export interface RegionInstance {
  port: number;
  /** The operators' listener (ADMIN_PORT): its /healthz counts the sessions. */
  adminPort: number;
  /** SIGKILL (an in-process proxy: replication stopped at once, sockets cut). */
  kill(): void;
  exited: Promise<void>;
  log(): string;
}

export interface Region {
  name: string;
  redis: RedisServer;
  emulator: Emulator;
  nginx: Nginx;
  instances: RegionInstance[];
  /** Sessions open on each instance (its /healthz); 0 for an instance that does not answer. */
  sessions(): Promise<number[]>;
  /** The whole region at once: proxies, Redis and nginx SIGKILLed in the same tick. */
  kill(): Promise<void>;
  dead: boolean;
}

export interface RegionsOptions {
  /** Proxies in this process (the test suite) or processes (default, as deployed). */
  inline?: boolean;
  instancesPerRegion?: number;
  /** false: each region keeps its state to itself (no PEER_REDIS_URLS): what failover was before. */
  replication?: boolean;
  copyIntervalMs?: number;
  emulator?: EmulatorOptions;
  /** Extra environment of every proxy. */
  env?: Record<string, string>;
}

export interface Regions {
  a: Region;
  b: Region;
  front: Nginx;
  /** ws:// through the front. */
  wsUrl(path: string): string;
  stop(): Promise<void>;
}

/** The front: region A, region B as backup; each client's connection from its own loopback address so region A's `hash $remote_addr` spreads them. */
export function frontSite(listen: string, primary: string, backup: string, fdid: string): string {
  return `
map $http_upgrade $front_connection_upgrade {
    default upgrade;
    ''      close;
}
map $remote_port $front_source {
    ~0$ 127.0.0.10;
    ~1$ 127.0.0.11;
    ~2$ 127.0.0.12;
    ~3$ 127.0.0.13;
    ~4$ 127.0.0.14;
    ~5$ 127.0.0.15;
    ~6$ 127.0.0.16;
    ~7$ 127.0.0.17;
    ~8$ 127.0.0.18;
    default 127.0.0.19;
}
upstream voice_regions {
    server ${primary} max_fails=0;
    server ${backup} backup max_fails=0;
}
server {
    listen ${listen};
    location / {
        proxy_pass http://voice_regions;
        proxy_bind $front_source;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $front_connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Azure-FDID ${fdid};
        proxy_buffering off;
        proxy_connect_timeout 2s;
        proxy_read_timeout 75s;
        proxy_send_timeout 75s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 2;
        proxy_next_upstream_timeout 10s;
    }
}`;
}

async function startRegion(name: string, redis: RedisServer, peer: RedisServer | undefined, options: RegionsOptions): Promise<Region> {
  const emulator = await startEmulator({ apiKey: UPSTREAM_KEY, ...options.emulator });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), HOST: "127.0.0.1", AUTH_JWT_SECRET: SECRET, REDIS_URL: redis.url, REGION: name,
    UPSTREAMS: JSON.stringify(localUpstreams([emulator.url])), [LOCAL_KEY_ENV]: UPSTREAM_KEY,
    DRAIN_DELAY_SECONDS: "1", TERMINATION_GRACE_SECONDS: "30", MAX_SESSIONS_PER_INSTANCE: "400", MAX_SESSIONS_PER_USER: "2",
    FRONT_DOOR_ID: FRONT_DOOR_IDS.join(","),
    ...(peer ? { PEER_REDIS_URLS: peer.url } : {}),
    ...(options.copyIntervalMs ? { PEER_COPY_INTERVAL_MS: String(options.copyIntervalMs) } : {}),
    ...options.env,
  };
  if (!peer) delete env.PEER_REDIS_URLS;

  async function inline(port: number, adminPort: number): Promise<RegionInstance> {
    const config = loadConfig({ ...env, PORT: String(port), ADMIN_PORT: String(adminPort) });
    const logger = pino({ level: "silent" });
    // Several proxies share this event loop on a loaded machine: a generous Redis deadline (cluster.ts says why).
    const state = await createSharedState(config, logger, { commandTimeoutMs: 5_000 });
    const proxy = await startProxy(config, { state, logger, host: "127.0.0.1" });
    let done: () => void = () => undefined;
    const exited = new Promise<void>((r) => (done = r));
    return {
      port, adminPort, exited, log: () => "",
      kill() {
        // Replication first and without waiting: a dead process copies nothing more.
        void state.close().catch(() => undefined);
        void proxy.close(0).catch(() => undefined).then(done);
      },
    };
  }

  async function processInstance(port: number, adminPort: number): Promise<RegionInstance> {
    const p = await spawnProxyProcess(env, port, adminPort, `region ${name}: instance on ${port}`);
    return { port, adminPort, exited: p.exited.then(() => undefined), kill: p.kill, log: p.log };
  }

  const ports = await Promise.all(Array.from({ length: options.instancesPerRegion ?? 2 }, () => freePort()));
  const adminPorts = await Promise.all(ports.map(() => freePort()));
  const instances = await Promise.all(ports.map((p, i) => (options.inline ? inline(p, adminPorts[i]) : processInstance(p, adminPorts[i]))));
  const nginx = await startNginx(ports.map((p) => `127.0.0.1:${p}`));
  const region: Region = {
    name, redis, emulator, nginx, instances, dead: false,
    async sessions() {
      return Promise.all(instances.map(async (i) => {
        try {
          return Number(((await (await fetch(`http://127.0.0.1:${i.adminPort}/healthz`)).json()) as { sessions: number }).sessions);
        } catch {
          return 0;
        }
      }));
    },
    async kill() {
      region.dead = true;
      for (const i of instances) i.kill();
      process.kill(redis.pid, "SIGKILL");
      nginx.kill();
      await Promise.all(instances.map((i) => i.exited));
    },
  };
  return region;
}

export async function startRegions(options: RegionsOptions = {}): Promise<Regions> {
  // Keyspace events on lists: the experiment watches items arrive in the other region (replication lag).
  const [redisA, redisB] = await Promise.all([startRedisServer(undefined, ["--notify-keyspace-events", "Kl"]), startRedisServer(undefined, ["--notify-keyspace-events", "Kl"])]);
  const replicate = options.replication !== false;
  const started: Region[] = [];
  try {
    started.push(await startRegion("region-a", redisA, replicate ? redisB : undefined, options));
    started.push(await startRegion("region-b", redisB, replicate ? redisA : undefined, options));
  } catch (error) {
    for (const r of started) await r.kill().catch(() => undefined);
    await Promise.all([redisA.stop(), redisB.stop()]);
    throw error;
  }
  const [a, b] = started;
  const front = await startNginx([], (listen) => frontSite(listen, `127.0.0.1:${a.nginx.port}`, `127.0.0.1:${b.nginx.port}`, FRONT_DOOR_IDS[1]));
  return {
    a, b, front,
    wsUrl: (path) => `ws://127.0.0.1:${front.port}${path}`,
    async stop() {
      await front.stop();
      for (const r of [a, b]) {
        if (!r.dead) await r.kill();
        await r.nginx.stop();
        await r.emulator.close();
        await r.redis.stop();
      }
    },
  };
}
