/**
 * Which upstream a session goes to, and opening the connection to it. The relay only sees
 * `UpstreamSelector.candidates()` and `connectUpstream()`, so health tracking, rotation and resume can
 * be added behind them later without touching the relay.
 */
import { WebSocket, type RawData } from "ws";
import { CLIENT_PATHS, ClientPath, DEFAULT_API_VERSION, servedModel, type ClientPathName } from "../../../contracts";
import type { UpstreamConfig } from "../config";

/** What the client asked for, from its upgrade request. */
export interface ClientRoute {
  /** The dialect path the client used. */
  path: ClientPathName;
  /** Voice Live `model`, or Azure OpenAI `deployment` (the `model` query on /openai/v1). */
  model?: string;
  apiVersion?: string;
}

export function parseRoute(url: string): ClientRoute | undefined {
  const parsed = new URL(url, "http://proxy");
  const path = parsed.pathname as ClientPathName;
  if (!CLIENT_PATHS.has(path)) return undefined;
  const model = path === ClientPath.openai ? parsed.searchParams.get("deployment") : parsed.searchParams.get("model");
  return { path, model: model ?? undefined, apiVersion: parsed.searchParams.get("api-version") ?? undefined };
}

/**
 * Upstreams able to serve the route, best first: the client's path decides the kind, the model or
 * deployment must be one the configuration names (a client cannot pick another), lower priority numbers
 * first, and equal priorities rotated so sessions spread across resources (each Voice Live resource
 * accepts only 30 new connections a minute).
 */
export class UpstreamSelector {
  private turn = 0;
  constructor(private readonly upstreams: UpstreamConfig[]) {}

  allowedModels(route: ClientRoute): string[] {
    return [...new Set(this.matching(route.path).map(servedModel))];
  }

  candidates(route: ClientRoute): UpstreamConfig[] {
    const wanted = route.model;
    const matching = this.matching(route.path).filter((u) => wanted === undefined || servedModel(u) === wanted);
    const byPriority = new Map<number, UpstreamConfig[]>();
    for (const upstream of matching) byPriority.set(upstream.priority, [...(byPriority.get(upstream.priority) ?? []), upstream]);
    const offset = this.turn++;
    return [...byPriority.keys()].sort((a, b) => a - b).flatMap((priority) => {
      const group = byPriority.get(priority)!;
      const start = offset % group.length;
      return [...group.slice(start), ...group.slice(0, start)];
    });
  }

  private matching(path: ClientPathName): UpstreamConfig[] {
    const kind = path === ClientPath.voiceLive ? "voice-live" : "azure-openai";
    return this.upstreams.filter((u) => u.kind === kind);
  }
}

/** The upstream URL for this route: same dialect as the client, the configured model or deployment. */
export function upstreamUrl(upstream: UpstreamConfig, route: ClientRoute): string {
  const base = new URL(upstream.url);
  base.protocol = base.protocol === "http:" || base.protocol === "ws:" ? "ws:" : "wss:";
  const prefix = base.pathname.replace(/\/$/, "");
  const apiVersion = route.apiVersion ?? upstream.apiVersion ?? DEFAULT_API_VERSION[upstream.kind];
  const url = new URL(base.toString());
  if (upstream.kind === "voice-live") {
    url.pathname = `${prefix}/voice-live/realtime`;
    url.search = new URLSearchParams({ "api-version": apiVersion, model: upstream.model! }).toString();
  } else if (route.path === ClientPath.openaiV1) {
    url.pathname = `${prefix}/openai/v1/realtime`;
    url.search = new URLSearchParams({ model: upstream.deployment! }).toString();
  } else {
    url.pathname = `${prefix}/openai/realtime`;
    url.search = new URLSearchParams({ "api-version": apiVersion, deployment: upstream.deployment! }).toString();
  }
  return url.toString();
}

export interface TokenSource {
  getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Scope of Entra tokens for Azure AI Services (Voice Live, Azure OpenAI). */
export const COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default";

/** Caches the Entra token and fetches a new one five minutes before it expires. */
export class EntraTokens {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;
  constructor(private readonly source: TokenSource, private readonly now = () => Date.now()) {}

  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - 5 * 60_000 > this.now()) return this.cached.token;
    this.pending ??= this.source
      .getToken(COGNITIVE_SCOPE)
      .then((t) => {
        if (!t) throw new Error("no Entra token for Azure AI services");
        this.cached = { token: t.token, expiresAt: t.expiresOnTimestamp };
        return t.token;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}

let defaultTokens: EntraTokens | undefined;
/** The managed identity in Azure, the developer's login locally; loaded only if an upstream uses Entra. */
async function entraTokens(): Promise<EntraTokens> {
  if (!defaultTokens) {
    const { DefaultAzureCredential } = await import("@azure/identity");
    defaultTokens = new EntraTokens(new DefaultAzureCredential());
  }
  return defaultTokens;
}

export async function upstreamHeaders(upstream: UpstreamConfig, tokens?: EntraTokens): Promise<Record<string, string>> {
  if (upstream.auth === "key") return { "api-key": upstream.apiKey ?? "" };
  return { authorization: `Bearer ${await (tokens ?? (await entraTokens())).token()}` };
}

export class UpstreamConnectError extends Error {
  constructor(readonly upstream: string, readonly status: number | undefined, message: string) {
    super(message);
  }
}

export interface OpenUpstream {
  ws: WebSocket;
  /** Messages that arrived between the upgrade and the caller's listener (often session.created). */
  early: Array<{ data: RawData; isBinary: boolean }>;
  stopBuffering(): void;
}

/** Opens the upstream socket; rejects on refusal, an HTTP answer other than 101, or the timeout. */
export function connectUpstream(
  url: string,
  headers: Record<string, string>,
  options: { name: string; timeoutMs: number; maxPayload: number; signal?: AbortSignal },
): Promise<OpenUpstream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, maxPayload: options.maxPayload, handshakeTimeout: options.timeoutMs, perMessageDeflate: false });
    // The upstream's first event can arrive in the same read as the 101 answer, before the caller
    // has attached its listener: hold such messages so none is lost.
    const early: OpenUpstream["early"] = [];
    const buffer = (data: RawData, isBinary: boolean) => early.push({ data, isBinary });
    ws.on("message", buffer);
    const fail = (status: number | undefined, message: string) => {
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      reject(new UpstreamConnectError(options.name, status, message));
    };
    ws.once("open", () => {
      ws.removeAllListeners("unexpected-response");
      ws.removeAllListeners("error");
      resolve({ ws, early, stopBuffering: () => ws.off("message", buffer) });
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      fail(res.statusCode, `upstream ${options.name} answered HTTP ${res.statusCode}`);
    });
    ws.once("error", (error) => fail(undefined, `upstream ${options.name}: ${error.message}`));
    // The client left while this was connecting: stop now rather than at the handshake timeout.
    const onAbort = () => fail(undefined, `upstream ${options.name}: aborted`);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    ws.once("open", () => options.signal?.removeEventListener("abort", onAbort));
  });
}
