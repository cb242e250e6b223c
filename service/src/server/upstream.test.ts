/** Upstream choice, URLs, Entra token caching. */
import { loadConfig } from "../config";
import { COGNITIVE_SCOPE, EntraTokens, parseRoute, UpstreamSelector, upstreamUrl } from "./upstream";

const upstream = (name: string, priority: number, extra: object = {}) =>
  ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority, auth: "key", apiKeyEnv: `K_${name.toUpperCase()}`, model: "gpt-realtime", ...extra });
const env = (over: Record<string, string | undefined> = {}) => ({
  UPSTREAMS: JSON.stringify([upstream("au", 1), upstream("us", 2)]), K_AU: "a", K_US: "u", AUTH_JWT_SECRET: "x".repeat(32), ...over,
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

