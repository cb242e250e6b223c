/**
 * What a browser gets from the proxy over plain HTTP: the test page only when TEST_PAGE=true, with its
 * security headers; CORS on the health endpoints for allowed origins only, preflights included.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePage } from "../../service/src/page/build";
import { answerHttp, PAGE_DIR } from "../../service/src/server/page";
import { mintToken, startStack, type TestStack } from "../support/stack";

const UI = "https://interviews.example.com";

describe("TEST_PAGE=true, ALLOWED_ORIGINS set", () => {
  let stack: TestStack;
  let base: string;
  beforeAll(async () => {
    stack = await startStack({ env: { TEST_PAGE: "true", ALLOWED_ORIGINS: `${UI},https://other.example.com` } });
    base = `http://127.0.0.1:${stack.proxy.port}`;
  });
  afterAll(() => stack.stop());

  test("the page, its script and its worklet, with a CSP that allows only its own scripts and WebSocket connections", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(await page.text()).toContain('<script src="app.js"></script>');
    const app = await fetch(`${base}/app.js`);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const script = await app.text();
    // The browser bundle carries the client library and nothing of the server or Node.
    expect(script).toContain("openai-insecure-api-key.");
    expect(script.length).toBeLessThan(100_000);
    expect(script).not.toMatch(/require\("(?!ws")|zod|jsonwebtoken|pino/);
    expect((await fetch(`${base}/mic-worklet.js`)).status).toBe(200);
    const head = await fetch(`${base}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  test("anything else is not the page: other files, other methods", async () => {
    for (const path of ["/build.js", "/app.ts", "/../package.json", "/%2e%2e/package.json", "/index.htm"]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${base}/`, { method: "POST" })).status).toBe(404);
  });

  test("CORS: an allowed origin reads /readyz and /healthz; another origin gets no CORS header; /metrics never", async () => {
    const allowed = await fetch(`${base}/readyz`, { headers: { origin: UI } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(UI);
    expect(allowed.headers.get("vary")).toBe("Origin");
    expect(await allowed.json()).toMatchObject({ status: "ready" });
    expect((await fetch(`${base}/healthz`, { headers: { origin: UI } })).headers.get("access-control-allow-origin")).toBe(UI);
    const foreign = await fetch(`${base}/readyz`, { headers: { origin: "https://evil.example.com" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect((await fetch(`${base}/metrics`, { headers: { origin: UI } })).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("CORS preflight: allowed origin gets methods and max-age; a foreign one an empty 204", async () => {
    const preflight = await fetch(`${base}/readyz`, { method: "OPTIONS", headers: { origin: UI, "access-control-request-method": "GET" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(UI);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD, OPTIONS");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
    const foreign = await fetch(`${base}/readyz`, { method: "OPTIONS", headers: { origin: "https://evil.example.com", "access-control-request-method": "GET" } });
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("access-control-allow-methods")).toBeNull();
  });

  test("POST /auth/check answers what the upgrade would for the token, readable from an allowed origin", async () => {
    const check = (body: string, origin = UI) => fetch(`${base}/auth/check`, { method: "POST", headers: { "content-type": "text/plain", origin }, body });
    const good = await check(await mintToken({ sub: "checked", exp: "10m" }));
    expect(good.status).toBe(200);
    expect(good.headers.get("access-control-allow-origin")).toBe(UI);
    const ok = (await good.json()) as { status: string; expiresInSeconds: number };
    expect(ok.status).toBe("ok");
    expect(ok.expiresInSeconds).toBeGreaterThan(500);
    expect(ok.expiresInSeconds).toBeLessThanOrEqual(600);
    const expired = await check(await mintToken({ sub: "old", exp: Math.floor(Date.now() / 1000) - 60 }));
    expect([expired.status, await expired.json()]).toEqual([401, { error: { code: "token_expired", message: "the token has expired" } }]);
    const otherKey = await check(await mintToken({ sub: "x" }, "another-secret-of-at-least-thirty-two-chars"));
    expect([otherKey.status, ((await otherKey.json()) as { error: { code: string } }).error.code]).toEqual([401, "token_bad_signature"]);
    const none = await check("");
    expect([none.status, ((await none.json()) as { error: { code: string } }).error.code]).toEqual([401, "token_missing"]);
    expect((await check("x".repeat(20_000))).status).toBe(413);
    expect((await check("not-a-jwt", "https://evil.example.com")).headers.get("access-control-allow-origin")).toBeNull();
  });
});

test("by default (production): no page at /, and no CORS header for anyone", async () => {
  const stack = await startStack();
  try {
    const base = `http://127.0.0.1:${stack.proxy.port}`;
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(404);
    expect(await root.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await fetch(`${base}/app.js`)).status).toBe(404);
    expect((await fetch(`${base}/readyz`, { headers: { origin: UI } })).headers.get("access-control-allow-origin")).toBeNull();
  } finally {
    await stack.stop();
  }
});

test("built files (npm run build, the image): written by the build script, served from disk as written", async () => {
  const out = mkdtempSync(join(tmpdir(), "page-build-"));
  expect((await writePage(PAGE_DIR, out)).sort()).toEqual(["app.js", "index.html", "mic-worklet.js"]);
  const server = createServer((req, res) => {
    if (!answerHttp(req, res, { testPage: true, allowedOrigins: [] }, out)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    for (const name of ["app.js", "mic-worklet.js"]) {
      expect(await (await fetch(`${base}/${name}`)).text()).toBe(readFileSync(join(out, name), "utf8"));
    }
    expect(await (await fetch(`${base}/mic-worklet.js`)).text()).toContain('registerProcessor("mic-capture"');
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(out, { recursive: true, force: true });
  }
});
