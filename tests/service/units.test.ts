/** The service's pure parts, with fakes: config, frames, close codes, upstream choice, tokens. */
import { ConfigError, loadConfig } from "../../service/src/config";
import { createMemoryRegistry } from "../../service/src/registry/memory";
import { extractToken } from "../../service/src/server/auth";
import { AUDIO_EVENTS, clientCloseFor, sniffType } from "../../service/src/server/frames";

const isAudioFrame = (frame: Buffer) => AUDIO_EVENTS.has(sniffType(frame) ?? "");
import { COGNITIVE_SCOPE, EntraTokens, parseRoute, UpstreamSelector, upstreamUrl } from "../../service/src/server/upstream";

const upstream = (name: string, priority: number, extra: object = {}) =>
  ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority, auth: "key", apiKeyEnv: `K_${name.toUpperCase()}`, model: "gpt-realtime", ...extra });
const env = (over: Record<string, string | undefined> = {}) => ({
  UPSTREAMS: JSON.stringify([upstream("au", 1), upstream("us", 2)]), K_AU: "a", K_US: "u", AUTH_JWT_SECRET: "x".repeat(32), ...over,
});

describe("loadConfig", () => {
  test("defaults from DESIGN.md", () => {
    const c = loadConfig(env());
    expect(c).toMatchObject({ port: 3000, sessionMaxMinutes: 45, upstreamRotateMinutes: 9, maxSessionsPerUser: 2, allowedOrigins: [] });
    expect(c.upstreams.map((u) => u.apiKey)).toEqual(["a", "u"]);
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

describe("frames", () => {
  const audio = JSON.stringify({ type: "response.audio.delta", delta: "A".repeat(100_000) });
  test("the type is read from the frame's start, whatever its size", () => {
    expect(sniffType(Buffer.from(audio))).toBe("response.audio.delta");
    expect(isAudioFrame(Buffer.from(audio))).toBe(true);
    expect(isAudioFrame(Buffer.from(JSON.stringify({ event_id: "e1", type: "input_audio_buffer.append", audio: "AAAA" })))).toBe(true);
    expect(isAudioFrame(Buffer.from(JSON.stringify({ type: "response.done" })))).toBe(false);
    expect(sniffType("not json")).toBeUndefined();
  });
  test("close codes for every ending", () => {
    expect(clientCloseFor({ kind: "client_closed", code: 1001 }).code).toBe(1000);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1000 }).code).toBe(1000);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1009 }).code).toBe(1009);
    expect(clientCloseFor({ kind: "upstream_closed", code: 1011 }).code).toBe(1013);
    expect(clientCloseFor({ kind: "upstream_lost" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "upstream_unavailable" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "client_too_big" }).code).toBe(1009);
    expect(clientCloseFor({ kind: "client_overflow" }).code).toBe(1008);
    expect(clientCloseFor({ kind: "peer_timeout", leg: "client" }).code).toBe(1008);
    expect(clientCloseFor({ kind: "peer_timeout", leg: "upstream" }).code).toBe(1013);
    expect(clientCloseFor({ kind: "time_limit" }).code).toBe(4000);
    expect(clientCloseFor({ kind: "draining" }).code).toBe(1012);
    expect(clientCloseFor({ kind: "internal" }).code).toBe(1011);
  });
});

describe("upstream choice", () => {
  const config = loadConfig(env({
    UPSTREAMS: JSON.stringify([upstream("au1", 1), upstream("au2", 1), upstream("us", 2), { ...upstream("aoai", 1), kind: "azure-openai", model: undefined, deployment: "rt-deploy" }]),
    K_AU1: "1", K_AU2: "2", K_AOAI: "3",
  }));
  test("by priority; equal priorities rotate; the path decides the kind; the model must be allowed", () => {
    const selector = new UpstreamSelector(config.upstreams);
    const route = parseRoute("/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime")!;
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au1", "au2", "us"]);
    expect(selector.candidates(route).map((u) => u.name)).toEqual(["au2", "au1", "us"]);
    expect(selector.candidates(parseRoute("/voice-live/realtime?model=gpt-5")!)).toEqual([]);
    expect(selector.allowedModels(parseRoute("/openai/realtime?deployment=x")!)).toEqual(["rt-deploy"]);
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

test("token places", () => {
  const req = (headers: Record<string, string>, url = "/voice-live/realtime") => ({ headers, url });
  expect(extractToken(req({ authorization: "Bearer abc" }))).toBe("abc");
  expect(extractToken(req({ "api-key": "def" }))).toBe("def");
  expect(extractToken(req({}, "/x?api-key=ghi"))).toBe("ghi");
  expect(extractToken(req({}, "/x?token=jkl"))).toBe("jkl");
  expect(extractToken(req({ "sec-websocket-protocol": "realtime, openai-insecure-api-key.mno" }))).toBe("mno");
  expect(extractToken(req({}))).toBeUndefined();
});

test("in-process registry: per-user limit, TTL pruning of sessions whose release was lost", async () => {
  let now = 0;
  const registry = createMemoryRegistry({ ttlSeconds: 10, now: () => now });
  const rec = (id: string) => ({ sessionId: id, userId: "u", instanceId: "i", startedAt: 0 });
  expect(await registry.acquire(rec("a"), 1)).toEqual({ ok: true });
  expect(await registry.acquire(rec("b"), 1)).toEqual({ ok: false, reason: "user_limit", active: 1, limit: 1 });
  now = 11_000;
  expect(await registry.activeCount()).toBe(0);
  expect(await registry.acquire(rec("b"), 1)).toEqual({ ok: true });
});
