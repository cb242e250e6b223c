/** The service's configuration: defaults, every bad variable named at once, UPSTREAMS errors. */
import { ConfigError, loadConfig } from "./config";

const upstream = (name: string, priority: number, extra: object = {}) =>
  ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority, auth: "key", apiKeyEnv: `K_${name.toUpperCase()}`, model: "gpt-realtime", ...extra });
const env = (over: Record<string, string | undefined> = {}) => ({
  UPSTREAMS: JSON.stringify([upstream("au", 1), upstream("us", 2)]), K_AU: "a", K_US: "u", AUTH_JWT_SECRET: "k3J9x-Qz7LmP2vR8tY4wB6nC1dF5gH0s", ...over,
});

describe("loadConfig", () => {
  test("defaults: the contract's session defaults and the per-instance bound of the default scale target", () => {
    const c = loadConfig(env());
    expect(c).toMatchObject({ port: 3000, sessionMaxMinutes: 45, upstreamRotateMinutes: 9, maxSessionsPerUser: 2, allowedOrigins: [] });
    expect(c.upstreams.map((u) => u.apiKey)).toEqual(["a", "u"]);
  });
  test("resume-state bounds: byte defaults, overrides, the detached bound derived from the per-user limit, bad values named together", () => {
    expect(loadConfig(env()).resumeState).toEqual({ itemMaxBytes: 32768, conversationMaxBytes: 131072, maxItems: 400, configMaxBytes: 65536, maxDetachedPerUser: 4 });
    expect(loadConfig(env({ MAX_SESSIONS_PER_USER: "3" })).resumeState.maxDetachedPerUser).toBe(6);
    expect(loadConfig(env({ RESUME_ITEM_MAX_BYTES: "1024", RESUME_CONVERSATION_MAX_BYTES: "4096", RESUME_CONFIG_MAX_BYTES: "2048", MAX_DETACHED_PER_USER: "2" })).resumeState)
      .toMatchObject({ itemMaxBytes: 1024, conversationMaxBytes: 4096, configMaxBytes: 2048, maxDetachedPerUser: 2 });
    expect(() => loadConfig(env({ RESUME_ITEM_MAX_BYTES: "9000", RESUME_CONVERSATION_MAX_BYTES: "4096", MAX_DETACHED_PER_USER: "1" })))
      .toThrow(/MAX_DETACHED_PER_USER: must be a whole number >= MAX_SESSIONS_PER_USER \(2\), got "1"[\s\S]*RESUME_ITEM_MAX_BYTES: must not exceed RESUME_CONVERSATION_MAX_BYTES/);
    expect(() => loadConfig(env({ RESUME_CONFIG_MAX_BYTES: "10" }))).toThrow(/RESUME_CONFIG_MAX_BYTES must be a whole number >= 256/);
  });
  test("quotas, token lifetime and the operators' port: defaults, values, bad values named", () => {
    const c = loadConfig(env());
    expect(c).toMatchObject({ userConnectsPerMinute: 12, adminPort: undefined, auth: { maxLifetimeMinutes: 1440 } });
    expect(loadConfig(env({ USER_CONNECTS_PER_MINUTE: "3", ADMIN_PORT: "9464", AUTH_MAX_TOKEN_LIFETIME_MINUTES: "90" }))).toMatchObject({ userConnectsPerMinute: 3, adminPort: 9464, auth: { maxLifetimeMinutes: 90 } });
    expect(loadConfig(env({ ADMIN_PORT: "0" })).adminPort).toBe(0);
    expect(() => loadConfig(env({ USER_CONNECTS_PER_MINUTE: "0", ADMIN_PORT: "x", AUTH_MAX_TOKEN_LIFETIME_MINUTES: "-1" }))).toThrow(/USER_CONNECTS_PER_MINUTE[\s\S]*AUTH_MAX_TOKEN_LIFETIME_MINUTES[\s\S]*ADMIN_PORT/);
    // An entry's quota of new connections: a positive whole number, named when wrong.
    expect(loadConfig(env({ UPSTREAMS: JSON.stringify([upstream("au", 1, { connectionsPerMinute: 120 })]) })).upstreams[0].connectionsPerMinute).toBe(120);
    expect(() => loadConfig(env({ UPSTREAMS: JSON.stringify([upstream("au", 1, { connectionsPerMinute: 0 })]) }))).toThrow(/UPSTREAMS\[0\]\["connectionsPerMinute"\]/);
  });
  test("regions: REGION defaults to local; PEER_REDIS_URLS is a list of redis URLs other than REDIS_URL, and needs REDIS_URL", () => {
    expect(loadConfig(env())).toMatchObject({ region: "local", peerRedisUrls: [], peerCopyIntervalMs: 250 });
    const multi = loadConfig(env({ REGION: "swedencentral", REDIS_URL: "rediss://:k@a.example:6380", PEER_REDIS_URLS: "rediss://:k@b.example:6380, redis://c.example:6379", PEER_COPY_INTERVAL_MS: "100" }));
    expect(multi).toMatchObject({ region: "swedencentral", peerRedisUrls: ["rediss://:k@b.example:6380", "redis://c.example:6379"], peerCopyIntervalMs: 100 });
    expect(() => loadConfig(env({ REGION: "Sweden Central" }))).toThrow(/REGION: must be a region name/);
    expect(() => loadConfig(env({ PEER_REDIS_URLS: "redis://b:6379" }))).toThrow(/PEER_REDIS_URLS: needs REDIS_URL/);
    expect(() => loadConfig(env({ REDIS_URL: "redis://a:6379", PEER_REDIS_URLS: "redis://a:6379" }))).toThrow(/must not list this region's own REDIS_URL/);
    expect(() => loadConfig(env({ REDIS_URL: "redis://a:6379", PEER_REDIS_URLS: "http://b:6379,redis://c:1,redis://c:1" }))).toThrow(/entry 1 is not[\s\S]*listed twice/);
    expect(() => loadConfig(env({ PEER_COPY_INTERVAL_MS: "5" }))).toThrow(/PEER_COPY_INTERVAL_MS must be a whole number >= 10/);
  });
  test("FRONT_DOOR_ID: one profile id or a comma-separated list (several profiles front one stack); absent: no check", () => {
    expect(loadConfig(env()).frontDoorIds).toEqual([]);
    expect(loadConfig(env({ FRONT_DOOR_ID: "fd-1" })).frontDoorIds).toEqual(["fd-1"]);
    expect(loadConfig(env({ FRONT_DOOR_ID: "fd-1, fd-2" })).frontDoorIds).toEqual(["fd-1", "fd-2"]);
  });
  test("UPSTREAM_ROTATE_MINUTES may be a fraction (short rotations in tests); TERMINATION_GRACE_SECONDS defaults to Container Apps' 30", () => {
    expect(loadConfig(env({ UPSTREAM_ROTATE_MINUTES: "0.05" })).upstreamRotateMinutes).toBe(0.05);
    expect(() => loadConfig(env({ UPSTREAM_ROTATE_MINUTES: "0" }))).toThrow(/UPSTREAM_ROTATE_MINUTES must be a number > 0, got "0"/);
    expect(loadConfig(env()).terminationGraceSeconds).toBe(30);
    expect(loadConfig(env({ TERMINATION_GRACE_SECONDS: "60" })).terminationGraceSeconds).toBe(60);
    expect(() => loadConfig(env({ TERMINATION_GRACE_SECONDS: "0" }))).toThrow(/TERMINATION_GRACE_SECONDS must be a whole number >= 1/);
  });
  test("TEST_PAGE: off unless exactly \"true\"; another value is named", () => {
    expect(loadConfig(env()).testPage).toBe(false);
    expect(loadConfig(env({ TEST_PAGE: "true" })).testPage).toBe(true);
    expect(loadConfig(env({ TEST_PAGE: "false" })).testPage).toBe(false);
    expect(() => loadConfig(env({ TEST_PAGE: "yes" }))).toThrow(/TEST_PAGE: must be "true" or "false"/);
  });
  test("every bad variable is named at once", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(env({ PORT: "eighty", SESSION_MAX_MINUTES: "0", REDIS_URL: "http://cache", K_US: undefined, AUTH_JWT_SECRET: "short" }));
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join("\n");
    for (const name of ["PORT", "SESSION_MAX_MINUTES", "REDIS_URL", "K_US", "AUTH_JWT_SECRET"]) expect(text).toContain(name);
    expect(error!.problems).toHaveLength(5);
  });
  test("UPSTREAMS errors name the entry and field; auth must be exactly one mode", () => {
    expect(() => loadConfig(env({ UPSTREAMS: "[{" }))).toThrow(/UPSTREAMS: is not valid JSON/);
    expect(() => loadConfig(env({ UPSTREAMS: JSON.stringify([{ ...upstream("au", 1), kind: "other" }]) }))).toThrow(/UPSTREAMS\[0\]\["kind"\]/);
    expect(() => loadConfig(env({ AUTH_JWKS_URL: "https://issuer/keys" }))).toThrow(/not both/);
    expect(() => loadConfig(env({ AUTH_JWT_SECRET: undefined }))).toThrow(/user authentication is required/);
    expect(() => loadConfig(env({ AUTH_JWT_SECRET: undefined, AUTH_ISSUER: "https://i" }))).toThrow(/AUTH_JWKS_URL, AUTH_AUDIENCE: required/);
  });
});


describe("HS256 secrets and claims", () => {
  test("issuer and audience are checked with HS256 when set", () => {
    const c = loadConfig(env({ AUTH_ISSUER: "https://issuer.example.com", AUTH_AUDIENCE: "api://voice" }));
    expect(c.auth).toMatchObject({ mode: "hs256", issuer: "https://issuer.example.com", audience: "api://voice" });
  });
  test.each([
    ["one repeated letter", "a".repeat(32)],
    ["two letters alternating", "ab".repeat(20)],
    ["too short", "Zx9!Qw2@Er4#Ty6$"],
  ])("a weak secret is refused: %s", (_name, secret) => {
    expect(() => loadConfig(env({ AUTH_JWT_SECRET: secret }))).toThrow(/AUTH_JWT_SECRET: (too predictable|must be at least 32)/);
  });
  test.each([["32 random hex digits", "9f86d081884c7d659a2feaa0c55ad015"], ["base64 of 32 bytes", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="]])("%s is accepted", (_name, secret) => {
    expect(loadConfig(env({ AUTH_JWT_SECRET: secret })).auth.mode).toBe("hs256");
  });
});

test("HOST: all interfaces by default, an address otherwise", () => {
  expect(loadConfig(env()).host).toBe("0.0.0.0");
  expect(loadConfig(env({ HOST: "127.0.0.1" })).host).toBe("127.0.0.1");
  expect(() => loadConfig(env({ HOST: "not a host" }))).toThrow(/HOST: must be an IP address/);
});
