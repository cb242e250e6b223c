/** Upstream choice, URLs, Entra token caching. */
import { loadConfig } from "../config";
import { FakeClock } from "../session/clock";
import { apiVersionProblem, COGNITIVE_SCOPE, connectUpstream, EntraTokens, parseRoute, UpstreamConnectError, UpstreamSelector, upstreamUrl } from "./upstream";
import { connectFailureKind, retryAfterMs, UpstreamHealth } from "./upstreamHealth";

const upstream = (name: string, priority: number, extra: object = {}) =>
  ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority, auth: "key", apiKeyEnv: `K_${name.toUpperCase()}`, model: "gpt-realtime", ...extra });
const env = (over: Record<string, string | undefined> = {}) => ({
  UPSTREAMS: JSON.stringify([upstream("au", 1), upstream("us", 2)]), K_AU: "a", K_US: "u", AUTH_JWT_SECRET: "k3J9x-Qz7LmP2vR8tY4wB6nC1dF5gH0s", ...over,
});

describe("upstream choice", () => {
  const config = loadConfig(env({
    UPSTREAMS: JSON.stringify([upstream("au1", 1), upstream("au2", 1), upstream("us", 2), { ...upstream("aoai", 1), kind: "azure-openai", model: undefined, deployment: "rt-deploy" }]),
    K_AU1: "1", K_AU2: "2", K_AOAI: "3",
  }));
  const names = config.upstreams.map((u) => u.name);
  test("by priority; equal priorities rotate; the path decides the kind; the model must be allowed", () => {
    const selector = new UpstreamSelector(config.upstreams, new UpstreamHealth(names, new FakeClock()));
    const route = parseRoute("/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime")!;
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au1", "au2", "us"]);
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au2", "au1", "us"]);
    expect(selector.candidates(parseRoute("/voice-live/realtime?model=gpt-5")!)).toEqual([]);
    expect(selector.allowedModels(parseRoute("/openai/realtime?deployment=x")!)).toEqual(["rt-deploy"]);
  });
  test("within a priority the upstream with fewer open sessions first; an upstream set aside is skipped until its probe", () => {
    const clock = new FakeClock();
    const health = new UpstreamHealth(names, clock, { failureThreshold: 2, baseOpenMs: 1000, maxOpenMs: 8000 });
    const selector = new UpstreamSelector(config.upstreams, health);
    const route = parseRoute("/voice-live/realtime?model=gpt-realtime")!;
    health.opened("au1");
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au2", "au1", "us"]);
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au2", "au1", "us"]);
    // A 429 sets au2 aside at once, for its Retry-After.
    health.failure("au2", "rate_limited", 3000);
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au1", "us"]);
    clock.advance(2999);
    expect(health.state("au2")).toBe("open");
    clock.advance(1);
    expect(health.state("au2")).toBe("half_open");
    // One probe at a time; its failure sets it aside again (the 429 before it grew no backoff: its quota, not its health).
    health.attempt("au2");
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au1", "us"]);
    health.failure("au2", "connect");
    clock.advance(999);
    expect(health.usable("au2")).toBe(false);
    clock.advance(1);
    health.attempt("au2");
    health.success("au2");
    expect(health.state("au2")).toBe("closed");
    // Connect failures: the first is tolerated, the second in a row opens the breaker.
    health.failure("us", "connect");
    expect(health.usable("us")).toBe(true);
    health.failure("us", "connect");
    expect(health.usable("us")).toBe(false);
    expect(health.anyUsable()).toBe(true);
    expect(selector.candidates(route, new Set(["au1"])).map((u) => u.name)).toEqual(["au2"]);
  });
  test("Retry-After in seconds or as a date, bounded", () => {
    expect(retryAfterMs("7", 0)).toBe(7000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(retryAfterMs("999999", 0)).toBe(3_600_000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
  test("hostile request targets never throw: no route", () => {
    for (const target of ["//", "//evil.example.com/voice-live/realtime", "http://x/voice-live/realtime", "", "*", "/%", "/voice-live/realtime/..", "/voice-live%2frealtime"]) {
      expect(parseRoute(target)).toBeUndefined();
    }
    expect(parseRoute("/voice-live/realtime?model=%ZZ")).toBeDefined();
  });
  test("URLs keep the client's dialect and use the configured model or deployment", () => {
    const [au1] = config.upstreams;
    const aoai = config.upstreams[3];
    expect(upstreamUrl(au1, parseRoute("/voice-live/realtime?api-version=2025-05-01-preview&model=gpt-realtime")!))
      .toBe("wss://au1.services.ai.azure.com/voice-live/realtime?api-version=2025-05-01-preview&model=gpt-realtime");
    expect(upstreamUrl(aoai, parseRoute("/openai/v1/realtime?model=rt-deploy")!)).toBe("wss://aoai.services.ai.azure.com/openai/v1/realtime?model=rt-deploy");
    expect(upstreamUrl({ ...aoai, url: "http://127.0.0.1:9" }, parseRoute("/openai/realtime?api-version=2025-04-01-preview&deployment=rt-deploy")!))
      .toBe("ws://127.0.0.1:9/openai/realtime?api-version=2025-04-01-preview&deployment=rt-deploy");
  });
  test("Entra tokens are cached and fetched again five minutes before expiry", async () => {
    let now = 0;
    const issued: string[] = [];
    const tokens = new EntraTokens({
      getToken: async (scope) => {
        expect(scope).toBe(COGNITIVE_SCOPE);
        issued.push(`t${issued.length}`);
        return { token: issued.at(-1)!, expiresOnTimestamp: now + 60 * 60_000 };
      },
    }, () => now);
    expect(await tokens.token()).toBe("t0");
    now += 54 * 60_000;
    expect(await tokens.token()).toBe("t0");
    now += 2 * 60_000; // 4 minutes left
    expect(await tokens.token()).toBe("t1");
  });
});


test("one deadline covers the credentials too: a token endpoint that never answers fails the connect in time", async () => {
  const config = loadConfig(env());
  const started = Date.now();
  const attempt = connectUpstream({ ...config.upstreams[0], auth: "entra" }, parseRoute("/voice-live/realtime?model=gpt-realtime")!, {
    timeoutMs: 200, maxPayload: 1024, headers: () => new Promise(() => undefined),
  });
  await expect(attempt).rejects.toBeInstanceOf(UpstreamConnectError);
  await expect(attempt).rejects.toMatchObject({ timedOut: true, message: expect.stringMatching(/no credentials within the deadline/) });
  expect(Date.now() - started).toBeLessThan(1000);
});

describe("what the breaker learns from", () => {
  test("a 429 sets the upstream aside for exactly its Retry-After, however often it comes", () => {
    const clock = new FakeClock();
    const health = new UpstreamHealth(["a"], clock, { failureThreshold: 2, baseOpenMs: 1000, maxOpenMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      health.failure("a", "rate_limited", 1500);
      clock.advance(1499);
      expect(health.state("a")).toBe("open");
      clock.advance(1);
      expect(health.state("a")).toBe("half_open");
    }
  });
  test("statuses that answer the request's shape never count against the upstream", () => {
    // 400, 404 and 422: the request (a parameter the client chose); 401/403: this proxy's credentials for the entry.
    expect([400, 404, 422].map((s) => connectFailureKind(s, false))).toEqual(["client", "client", "client"]);
    expect(connectFailureKind(429, false)).toBe("rate_limited");
    expect([401, 403, 500, 503].map((s) => connectFailureKind(s, false))).toEqual(Array(4).fill("server_error"));
    expect(connectFailureKind(undefined, true)).toBe("stall");
    expect(connectFailureKind(undefined, false)).toBe("connect");
  });
  test("api-version: empty or unknown values are refused before any upstream sees them, naming the parameter", () => {
    const upstreams = [{ kind: "voice-live" as const }, { kind: "azure-openai" as const, apiVersion: "2099-01-01-preview" }];
    const problem = (url: string) => apiVersionProblem(parseRoute(url)!, upstreams);
    expect(problem("/voice-live/realtime?model=m&api-version=")).toMatch(/"api-version" is empty/);
    expect(problem("/voice-live/realtime?model=m&api-version=1")).toMatch(/"api-version" is "1"; supported on \/voice-live\/realtime: 2025-10-01/);
    // Versions Microsoft documents (contracts/upstream.ts cites each; read 2026-12-03).
    expect(problem("/voice-live/realtime?model=m&api-version=2025-10-01")).toBeUndefined();
    expect(problem("/voice-live/realtime?model=m&api-version=2026-07-15")).toBeUndefined();
    expect(problem("/openai/realtime?deployment=d&api-version=2025-04-01-preview")).toBeUndefined();
    expect(problem("/openai/realtime?deployment=d&api-version=2024-10-01-preview")).toBeUndefined();
    // A version an entry names itself is accepted for its kind only.
    expect(problem("/openai/realtime?deployment=d&api-version=2099-01-01-preview")).toBeUndefined();
    expect(problem("/voice-live/realtime?model=m&api-version=2099-01-01-preview")).toMatch(/api-version/);
    // The v1 path forwards no api-version; none at all means the entry's or the default.
    expect(problem("/openai/v1/realtime?model=d&api-version=whatever")).toBeUndefined();
    expect(problem("/voice-live/realtime?model=m")).toBeUndefined();
  });
});
