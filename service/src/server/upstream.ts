/**
 * Which upstream a session goes to, and opening the connection to it: the route a client asked for, the
 * candidates for it (priority, health, load), the upstream URL and credentials, and a connect with one
 * deadline for everything (token, TCP, TLS, upgrade).
 */
import { WebSocket, type RawData } from "ws";
import { allowedApiVersions, CLIENT_PATHS, ClientPath, DEFAULT_API_VERSION, servedModel, type ClientPathName, type UpstreamKind } from "../../../contracts";
import type { UpstreamConfig } from "../config";
import { retryAfterMs, type UpstreamHealth } from "./upstreamHealth";

/** What the client asked for, from its upgrade request. */
export interface ClientRoute {
  /** The dialect path the client used. */
  path: ClientPathName;
  /** Voice Live `model`, or Azure OpenAI `deployment` (the `model` query on /openai/v1). */
  model?: string;
  apiVersion?: string;
}

/** The route of a request target; undefined for any target that is not a realtime path (never throws). */
export function parseRoute(url: string): ClientRoute | undefined {
  let parsed: URL;
  try {
    // A target like "//" or "//host:bad" is not a path relative to this server: no route.
    if (!url.startsWith("/") || url.startsWith("//")) return undefined;
    parsed = new URL(url, "http://proxy");
  } catch {
    return undefined;
  }
  const path = parsed.pathname as ClientPathName;
  if (!CLIENT_PATHS.has(path)) return undefined;
  const model = path === ClientPath.openai ? parsed.searchParams.get("deployment") : parsed.searchParams.get("model");
  return { path, model: model ?? undefined, apiVersion: parsed.searchParams.get("api-version") ?? undefined };
}

/** The upstream kind a client path is served by. */
export function kindOf(path: ClientPathName): UpstreamKind {
  return path === ClientPath.voiceLive ? "voice-live" : "azure-openai";
}

/**
 * Why the client's api-version may not be forwarded, or undefined. Only paths that forward it are
 * checked (`/openai/v1/realtime` sends none upstream); an empty value or one the kind does not support
 * is refused here, before any upstream sees it.
 */
export function apiVersionProblem(route: ClientRoute, upstreams: ReadonlyArray<Pick<UpstreamConfig, "kind" | "apiVersion">>): string | undefined {
  if (route.apiVersion === undefined || route.path === ClientPath.openaiV1) return undefined;
  const allowed = allowedApiVersions(kindOf(route.path), upstreams);
  if (allowed.includes(route.apiVersion)) return undefined;
  const shown = route.apiVersion === "" ? "empty" : JSON.stringify(route.apiVersion.slice(0, 40));
  return `query parameter "api-version" is ${shown}; supported on ${route.path}: ${allowed.join(", ")}`;
}

/**
 * Upstreams able to serve the route, best first: the client's path decides the kind, the model or
 * deployment must be one the configuration names (a client cannot pick another), lower priority numbers
 * first; within a priority, usable before set aside (circuit breaker), then fewest open sessions from
 * this instance (each Voice Live resource accepts only 30 new connections a minute and a bounded token
 * rate, so load is spread), then a rotating tie-break.
 */
export class UpstreamSelector {
  private turn = 0;
  constructor(private readonly upstreams: UpstreamConfig[], readonly health: UpstreamHealth) {}

  allowedModels(route: ClientRoute): string[] {
    return [...new Set(this.matching(route.path).map(servedModel))];
  }

  /** Usable candidates, best first (upstreams whose breaker is open are left out). */
  candidates(route: ClientRoute, exclude: ReadonlySet<string> = new Set()): UpstreamConfig[] {
    const wanted = route.model;
    const offset = this.turn++;
    const matching = this.matching(route.path).filter((u) => (wanted === undefined || servedModel(u) === wanted) && !exclude.has(u.name) && this.health.usable(u.name));
    // Rotated first, so ties (same priority, same load) take turns; the sort is stable.
    const k = matching.length > 0 ? offset % matching.length : 0;
    return [...matching.slice(k), ...matching.slice(0, k)].sort((a, b) => a.priority - b.priority || this.health.sessions(a.name) - this.health.sessions(b.name));
  }

  private matching(path: ClientPathName): UpstreamConfig[] {
    const kind = kindOf(path);
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
  constructor(
    readonly upstream: string,
    readonly status: number | undefined,
    message: string,
    /** From the upstream's Retry-After (429, 503). */
    readonly retryAfterMs?: number,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

export interface OpenUpstream {
  ws: WebSocket;
  /** Messages that arrived between the upgrade and the caller's listener (often session.created). */
  early: Array<{ data: RawData; isBinary: boolean }>;
  /** Stops holding messages in `early`: call right after attaching your own listener. */
  release(): void;
}

/**
 * Opens the upstream socket: credentials (an Entra token may need a round trip), then the upgrade, all
 * inside one deadline. Rejects on refusal, an HTTP answer other than 101, the deadline, or `signal`.
 */
export async function connectUpstream(
  upstream: UpstreamConfig,
  route: ClientRoute,
  options: { timeoutMs: number; maxPayload: number; signal?: AbortSignal; headers?: (u: UpstreamConfig) => Promise<Record<string, string>> },
): Promise<OpenUpstream> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const fail = (message: string) => new UpstreamConnectError(upstream.name, undefined, message, undefined, deadline.signal.aborted);
  try {
    const headers = await Promise.race([
      (options.headers ?? upstreamHeaders)(upstream),
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(fail(`upstream ${upstream.name}: no credentials within the deadline`));
        signal.addEventListener("abort", () => reject(fail(`upstream ${upstream.name}: no credentials within the deadline`)), { once: true });
      }),
    ]);
    return await openSocket(upstreamUrl(upstream, route), headers, upstream.name, options.maxPayload, signal, () => deadline.signal.aborted);
  } catch (error) {
    if (error instanceof UpstreamConnectError) throw error;
    throw fail(`upstream ${upstream.name}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function openSocket(url: string, headers: Record<string, string>, name: string, maxPayload: number, signal: AbortSignal, timedOut: () => boolean): Promise<OpenUpstream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, maxPayload, perMessageDeflate: false });
    // The upstream's first event can arrive in the same read as the 101 answer, before the caller has
    // attached its listener: hold such messages so none is lost.
    const early: OpenUpstream["early"] = [];
    const buffer = (data: RawData, isBinary: boolean) => early.push({ data, isBinary });
    ws.on("message", buffer);
    const onAbort = () => fail(undefined, `upstream ${name}: ${timedOut() ? "no answer within the deadline" : "aborted"}`);
    const fail = (status: number | undefined, message: string, retryAfter?: number) => {
      signal.removeEventListener("abort", onAbort);
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      reject(new UpstreamConnectError(name, status, message, retryAfter, timedOut()));
    };
    ws.once("open", () => {
      signal.removeEventListener("abort", onAbort);
      ws.removeAllListeners("unexpected-response");
      ws.removeAllListeners("error");
      resolve({ ws, early, release: () => ws.off("message", buffer) });
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      fail(res.statusCode, `upstream ${name} answered HTTP ${res.statusCode}`, retryAfterMs(res.headers["retry-after"], Date.now()));
    });
    ws.once("error", (error) => fail(undefined, `upstream ${name}: ${error.message}`));
    // The client left, or the deadline passed, while this was connecting.
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}
