/** The service's configuration: defaults, every bad variable named at once, UPSTREAMS errors. */
import { ConfigError, loadConfig } from "./config";

const upstream = (name: string, priority: number, extra: object = {}) =>
  ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority, auth: "key", apiKeyEnv: `K_${name.toUpperCase()}`, model: "gpt-realtime", ...extra });
const env = (over: Record<string, string | undefined> = {}) => ({
  UPSTREAMS: JSON.stringify([upstream("au", 1), upstream("us", 2)]), K_AU: "a", K_US: "u", AUTH_JWT_SECRET: "x".repeat(32), ...over,
});

describe("loadConfig", () => {
  test("defaults: the contract's session defaults and the per-instance bound of the default scale target", () => {
    const c = loadConfig(env());
    expect(c).toMatchObject({ port: 3000, sessionMaxMinutes: 45, upstreamRotateMinutes: 9, maxSessionsPerUser: 2, allowedOrigins: [] });
    expect(c.upstreams.map((u) => u.apiKey)).toEqual(["a", "u"]);
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
    expect(() => loadConfig(env({ AUTH_ISSUER: "https://issuer" }))).toThrow(/not both/);
    expect(() => loadConfig(env({ AUTH_JWT_SECRET: undefined }))).toThrow(/user authentication is required/);
    expect(() => loadConfig(env({ AUTH_JWT_SECRET: undefined, AUTH_ISSUER: "https://i" }))).toThrow(/AUTH_JWKS_URL, AUTH_AUDIENCE: required/);
  });
});

