/**
 * The Redis side of the platform, end to end against a real redis-server:
 * - the REDIS_URL the infrastructure builds (stacks/redisStore.ts `redisUrl`) from an access key with
 *   "/", "+" and "=" is accepted by the service's config (loadConfig) and parsed back to the same key by
 *   the `redis` client, and the service's own registry logs in with it;
 * - the open-sessions scale rule reads what the registry writes: KEDA's redis scaler asks TYPE, then
 *   ZCARD for a sorted set, on the key the rule names (contracts OPEN_SESSIONS_KEY).
 */
import { randomBytes } from "node:crypto";
import { createClient, RedisClient } from "redis";
import { OPEN_SESSIONS_KEY } from "../../contracts";
import { loadConfig } from "../../service/src/config";
import { createRedisState } from "../../service/src/registry/redis";
import { MANAGED_REDIS_PORT, redisUrl } from "../../stacks/redisStore";
import { startRedisServer, type RedisServer } from "../support/redisServer";

const serviceEnv = (url: string) => ({
  UPSTREAMS: JSON.stringify([{ name: "au", url: "https://au.services.ai.azure.com", kind: "voice-live", priority: 1, model: "gpt-realtime", auth: "entra" }]),
  AUTH_JWT_SECRET: "9f86d081884c7d659a2feaa0c55ad015",
  REDIS_URL: url,
});

// Azure Cache for Redis access keys are 44 base64 characters (32 bytes): "/", "+" and "=" are common.
const HOSTILE_KEY = "ab/cd+ef/gh+ij/kl+mn/op+qr/st+uv/wx+yz/01+23=";

test("URLs built from 500 random base64 keys: the service's config accepts them, the redis client reads back the key", () => {
  const keys = [HOSTILE_KEY, ...Array.from({ length: 500 }, () => randomBytes(32).toString("base64"))];
  expect(keys.filter((k) => k.includes("/")).length).toBeGreaterThan(100);
  for (const key of keys) {
    const url = redisUrl("redis-voice-prod-1a2b3c.redis.cache.windows.net", 6380, key);
    expect(loadConfig(serviceEnv(url)).redisUrl).toBe(url);
    const parsed = RedisClient.parseURL(url) as { password?: string; socket: { host: string; port: number; tls: boolean } };
    expect([parsed.password, parsed.socket]).toEqual([key, { host: "redis-voice-prod-1a2b3c.redis.cache.windows.net", port: 6380, tls: true }]);
  }
});

test("Azure Managed Redis (the default): the URL on TLS port 10000 is one the service accepts", () => {
  // Managed Redis listens for TLS on 10000 (its TLS configuration page); host <name>.<region>.redis.azure.net.
  const url = redisUrl("redis-voice-platform-prod-1a2b3c.australiaeast.redis.azure.net", MANAGED_REDIS_PORT, HOSTILE_KEY);
  expect(url.startsWith("rediss://")).toBe(true);
  expect(loadConfig(serviceEnv(url)).redisUrl).toBe(url);
  const parsed = RedisClient.parseURL(url) as { password?: string; socket: { host: string; port: number; tls: boolean } };
  expect([parsed.password, parsed.socket]).toEqual([HOSTILE_KEY, { host: "redis-voice-platform-prod-1a2b3c.australiaeast.redis.azure.net", port: 10000, tls: true }]);
});

test("the URL as it was built before (key unencoded) loses the key: a '/' ends the authority", () => {
  const old = `rediss://:${HOSTILE_KEY}@redis-voice-prod.redis.cache.windows.net:6380`;
  let password: string | undefined;
  try {
    password = (RedisClient.parseURL(old) as { password?: string }).password;
  } catch {
    password = undefined;
  }
  expect(password).not.toBe(HOSTILE_KEY);
});

describe("against a real redis-server with that key as its password", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
    const admin = createClient({ url: server.url });
    await admin.connect();
    await admin.configSet("requirepass", HOSTILE_KEY);
    await admin.quit();
  });
  afterAll(() => server.stop());

  // The local server speaks plain TCP; the URL is the infrastructure's, with only the scheme changed.
  const localUrl = (key: string) => redisUrl("127.0.0.1", server.port, key).replace(/^rediss:/, "redis:");

  test("the service's registry logs in with the URL the infrastructure builds", async () => {
    const state = await createRedisState(loadConfig(serviceEnv(localUrl(HOSTILE_KEY))).redisUrl!, { prefix: "url-test:" });
    const registry = state.registry;
    try {
      expect(await registry.acquire({ sessionId: "s1", userId: "u1", instanceId: "i1", startedAt: Date.now() }, 2)).toMatchObject({ ok: true });
      expect(await registry.activeCount()).toBe(1);
    } finally {
      await state.close();
    }
  });

  test("the open-sessions rule's key is the registry's sorted set: TYPE zset, ZCARD = open sessions", async () => {
    const url = localUrl(HOSTILE_KEY);
    const state = await createRedisState(url); // the default prefix, as deployed
    const registry = state.registry;
    const keda = createClient({ url });
    await keda.connect();
    // What KEDA's redis scaler evaluates for `listName` (keda.sh/docs/2.15/scalers/redis-lists: lists,
    // sets, sorted sets and hashes are counted; any other type is an error).
    const scalerCount = async () => {
      const type = await keda.type(OPEN_SESSIONS_KEY);
      if (type === "zset") return keda.zCard(OPEN_SESSIONS_KEY);
      if (type === "none") return 0;
      throw new Error(`the scaler cannot count a ${type} at ${OPEN_SESSIONS_KEY}`);
    };
    try {
      expect(await scalerCount()).toBe(0);
      for (const id of ["a", "b", "c"]) await registry.acquire({ sessionId: id, userId: `user-${id}`, instanceId: "i1", startedAt: Date.now() }, 2);
      expect(await keda.type(OPEN_SESSIONS_KEY)).toBe("zset");
      expect(await scalerCount()).toBe(3);
      expect(await scalerCount()).toBe(await registry.activeCount());
      await registry.release("b");
      expect(await scalerCount()).toBe(2);
    } finally {
      await keda.quit();
      await state.close();
    }
  });
});
