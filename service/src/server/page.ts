/**
 * The proxy's answers to a browser's plain HTTP requests, apart from the WebSocket endpoints:
 * - CORS on the health endpoints, for a UI on another origin (the hybrid: UI on Vercel, proxy on
 *   Azure) that checks the proxy before connecting. Only origins in ALLOWED_ORIGINS get CORS headers;
 *   without that list, no origin does (the WebSocket's own Origin check is in proxy.ts).
 * - The test page at `/` when TEST_PAGE=true (off by default and in production).
 *
 * One entry, `answerHttp`, called first by the proxy's request handler: true when it answered.
 *
 * CORS rules used (Fetch standard, https://fetch.spec.whatwg.org/#http-cors-protocol, read 2026-11):
 * a preflight is an OPTIONS request with Access-Control-Request-Method; the answer echoes one allowed
 * origin (never "*" when credentials could be involved), and `Vary: Origin` keeps caches from serving
 * one origin's answer to another.
 */
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { HealthPath, TOKEN_CHECK_PATH } from "../../../contracts";
import type { ServiceConfig } from "../config";
import { bundlePage, PAGE_FILES, type PageFile } from "../page/build";
import { sendJson } from "./http";

/** Paths a UI on another origin may read. /metrics is for the operator's scraper, not browsers. */
export const CORS_PATHS: ReadonlySet<string> = new Set([HealthPath.live, HealthPath.ready, TOKEN_CHECK_PATH]);
export const CORS_MAX_AGE_SECONDS = 600;

/** The page's files: compiled (dist) beside this module's folder, or the sources when running from them. */
export const PAGE_DIR = join(__dirname, "..", "page");

const CONTENT_TYPES: Record<PageFile, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "mic-worklet.js": "text/javascript; charset=utf-8",
};

/**
 * The page talks to its own origin and to any proxy the user types in (ws:/wss:), runs only its own
 * scripts (the worklet included), and has no inline script.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

type Config = Pick<ServiceConfig, "allowedOrigins" | "testPage">;

export function answerHttp(req: IncomingMessage, res: ServerResponse, config: Config, pageDir: string = PAGE_DIR): boolean {
  const path = (req.url ?? "/").split("?")[0];
  if (CORS_PATHS.has(path)) return applyCors(req, res, config.allowedOrigins);
  if (!config.testPage || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const file = path === "/" ? "index.html" : path.slice(1);
  if (!(PAGE_FILES as readonly string[]).includes(file)) return false;
  servePageFile(res, file as PageFile, pageDir, req.method === "HEAD");
  return true;
}

/**
 * Adds CORS headers for an allowed origin; answers a preflight itself (true). Simple GETs go on to
 * the health handlers (false) with the headers already set.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  res.setHeader("Vary", "Origin");
  const allowed = origin !== undefined && allowedOrigins.includes(origin);
  if (allowed) res.setHeader("Access-Control-Allow-Origin", origin);
  if (req.method !== "OPTIONS") return false;
  if (allowed && req.headers["access-control-request-method"] !== undefined) {
    res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    res.setHeader("Access-Control-Max-Age", String(CORS_MAX_AGE_SECONDS));
  }
  // A disallowed origin gets an answer without CORS headers: the browser then refuses the request.
  res.writeHead(204);
  res.end();
  return true;
}

const assetCache = new Map<string, Promise<Map<PageFile, Buffer>>>();

/** Built files when they are there (the image, `npm run build`); else bundled once, in memory, from the sources. */
export function loadPage(pageDir: string): Promise<Map<PageFile, Buffer>> {
  let loading = assetCache.get(pageDir);
  if (!loading) {
    loading = existsSync(join(pageDir, "app.js"))
      ? Promise.resolve(new Map(PAGE_FILES.map((name) => [name, readFileSync(join(pageDir, name))] as const)))
      : bundlePage(pageDir);
    // A failed build is not cached: the next request tries again.
    loading.catch(() => assetCache.delete(pageDir));
    assetCache.set(pageDir, loading);
  }
  return loading;
}

function servePageFile(res: ServerResponse, file: PageFile, pageDir: string, headOnly: boolean): void {
  loadPage(pageDir).then(
    (files) => {
      const body = files.get(file)!;
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[file],
        "content-length": body.length,
        "cache-control": "no-store",
        "content-security-policy": PAGE_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      res.end(headOnly ? undefined : body);
    },
    (error: Error) => sendJson(res, 500, { error: { code: "page_unavailable", message: `the test page could not be built: ${error.message}` } }),
  );
}
