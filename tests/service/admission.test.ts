/** Every refusal at the upgrade, with its status and JSON reason, before any upstream work. */
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { connect, mintToken, refusal, startStack, UPSTREAM_KEY, type TestStack } from "../support/stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ env: { ALLOWED_ORIGINS: "https://interviews.example.com", MAX_SESSIONS_PER_USER: "2" } });
});
afterAll(() => stack.stop());

const base64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

test.each([
  ["missing", async () => undefined, "token_missing"],
  ["expired", () => mintToken({ exp: Math.floor(Date.now() / 1000) - 60 }), "token_expired"],
  ["not yet valid", () => mintToken({ nbf: Math.floor(Date.now() / 1000) + 3600 }), "token_not_yet_valid"],
  ["signed with another secret", () => mintToken({}, "another-secret-of-at-least-thirty-two-chars"), "token_bad_signature"],
  ["alg none", async () => `${base64url({ alg: "none" })}.${base64url({ sub: "mallory", exp: 9999999999 })}.`, "token_bad_algorithm"],
  ["malformed", async () => "not-a-jwt", "token_malformed"],
  ["without subject", () => mintToken({ sub: "" }), "token_no_subject"],
])("401 when the token is %s", async (_name, token, code) => {
  const refused = await refusal(stack.wsUrl(), await token());
  expect(refused).toMatchObject({ status: 401, code });
  expect(refused.message.length).toBeGreaterThan(5);
  expect(stack.emulators[0].stats().connections).toBe(0); // nothing reached the upstream
});

test("the token is accepted from every place an official SDK puts its key", async () => {
  // One user per place, so the per-user limit does not interfere.
  const [t1, t2, t3, t4] = await Promise.all([1, 2, 3, 4].map((i) => mintToken({ sub: `places-${i}` })));
  const q = (extra: string) => stack.wsUrl(`/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime&${extra}`);
  const places = [
    connect(stack.wsUrl(), t1),
    connect(stack.wsUrl(), undefined, { headers: { "api-key": t2 } }),
    connect(q(`api-key=${t3}`)),
    connect(q(`token=${t4}`)),
    connect(stack.wsUrl(), undefined, { protocol: undefined, headers: {} }).catch((e) => e), // no token: refused
  ];
  const [bearer, header, apiKeyQuery, tokenQuery, none] = await Promise.all(places);
  for (const client of [bearer, header, apiKeyQuery, tokenQuery]) {
    await (client as Awaited<ReturnType<typeof connect>>).waitFor("session.created");
    (client as Awaited<ReturnType<typeof connect>>).ws.close();
  }
  expect((none as { status: number }).status).toBe(401);
});

test("browser subprotocol form: token in openai-insecure-api-key.<token>, realtime echoed", async () => {
  const { WebSocket } = await import("ws");
  const token = await mintToken({ sub: "browser" });
  const ws = new WebSocket(stack.wsUrl(), ["realtime", `openai-insecure-api-key.${token}`]);
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
  expect(ws.protocol).toBe("realtime");
  ws.close();
});

test("403 for an origin that is not allowed; allowed origin and non-browser clients pass", async () => {
  const token = await mintToken({ sub: "origin" });
  expect(await refusal(stack.wsUrl(), token, { headers: { origin: "https://evil.example.net" } })).toMatchObject({ status: 403, code: "origin_not_allowed" });
  const ok = await connect(stack.wsUrl(), token, { headers: { origin: "https://interviews.example.com" } });
  ok.ws.close();
});

test("403 when the client asks for a model the configuration does not allow", async () => {
  const token = await mintToken({ sub: "model" });
  const refused = await refusal(stack.wsUrl("/voice-live/realtime?api-version=2025-10-01&model=gpt-5-expensive"), token);
  expect(refused).toMatchObject({ status: 403, code: "model_not_allowed" });
  expect(refused.message).toContain("gpt-5-expensive");
});

test("404 for a path that is not a realtime endpoint", async () => {
  expect(await refusal(stack.wsUrl("/elsewhere"), await mintToken())).toMatchObject({ status: 404 });
});

test("429 above MAX_SESSIONS_PER_USER; the slot frees when a session ends", async () => {
  const token = await mintToken({ sub: "limited" });
  const a = await connect(stack.wsUrl(), token);
  const b = await connect(stack.wsUrl(), token);
  expect(await refusal(stack.wsUrl(), token)).toMatchObject({ status: 429, code: "user_session_limit" });
  // Another user is not affected.
  (await connect(stack.wsUrl(), await mintToken({ sub: "someone-else" }))).ws.close();
  a.ws.close();
  await a.closed;
  await new Promise((r) => setTimeout(r, 50));
  const c = await connect(stack.wsUrl(), token);
  b.ws.close();
  c.ws.close();
});

test("upstream keys never reach a client or the logs", async () => {
  const client = await connect(stack.wsUrl(), await mintToken({ sub: "leak-check" }));
  client.send({ type: "session.update", session: { voice: "alloy" } });
  await client.waitFor("session.updated");
  client.ws.close();
  await client.closed;
  // The key did reach the upstream, so the check below is meaningful.
  expect(stack.emulators[0].stats().lastHeaders?.["api-key"]).toBe(UPSTREAM_KEY);
  expect(client.raw.join("\n")).not.toContain(UPSTREAM_KEY);
  expect(stack.logs().length).toBeGreaterThan(100);
  expect(stack.logs()).not.toContain(UPSTREAM_KEY);
});

describe("capacity, draining and Front Door", () => {
  let small: TestStack;
  beforeAll(async () => {
    small = await startStack({ env: { MAX_SESSIONS_PER_INSTANCE: "1", FRONT_DOOR_ID: "fd-1234,fd-5678" } });
  });
  afterAll(() => small.stop());
  const fd = { headers: { "x-azure-fdid": "fd-1234" } };

  test("403 without a Front Door id or with another profile's; any profile of the list is accepted", async () => {
    const token = await mintToken({ sub: "fd" });
    expect(await refusal(small.wsUrl(), token)).toMatchObject({ status: 403, code: "front_door_required" });
    expect(await refusal(small.wsUrl(), token, { headers: { "x-azure-fdid": "someone-elses" } })).toMatchObject({ status: 403, code: "front_door_required" });
    expect(await refusal(small.wsUrl(), token, { headers: { "x-azure-fdid": "fd-1234,fd-5678" } })).toMatchObject({ status: 403, code: "front_door_required" });
    // The second profile (a stack fronted by two profiles): admitted.
    const second = await connect(small.wsUrl(), token, { headers: { "x-azure-fdid": "fd-5678" } });
    second.ws.close();
    await second.closed;
    // Its slot is free again before the next test fills the instance.
    for (let i = 0; i < 100 && (await fetch(`http://127.0.0.1:${small.proxy.port}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  });

  test("503 when the instance is full, and /readyz says so", async () => {
    const first = await connect(small.wsUrl(), await mintToken({ sub: "u1" }), fd);
    expect(await refusal(small.wsUrl(), await mintToken({ sub: "u2" }), fd)).toMatchObject({ status: 503, code: "instance_full" });
    const ready = await fetch(`http://127.0.0.1:${small.proxy.port}/readyz`);
    expect(ready.status).toBe(503);
    first.ws.close();
    await first.closed;
  });

  test("503 while draining; open sessions get proxy.reconnect and 1012", async () => {
    await new Promise((r) => setTimeout(r, 50));
    const open = await connect(small.wsUrl(), await mintToken({ sub: "u3" }), fd);
    await open.waitFor("session.created");
    await small.proxy.drain();
    expect(await open.closed).toMatchObject({ code: 1012 });
    expect(open.events.map((e) => e.type)).toContain("proxy.reconnect");
    expect(await refusal(small.wsUrl(), await mintToken({ sub: "u4" }), fd)).toMatchObject({ status: 503, code: "draining" });
    expect((await fetch(`http://127.0.0.1:${small.proxy.port}/readyz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${small.proxy.port}/healthz`)).status).toBe(200);
  });
});

describe("OIDC (Entra ID style): issuer, audience and keys from a JWKS endpoint", () => {
  let oidc: TestStack;
  let jwksServer: Server;
  let sign: (claims: Record<string, unknown>, iss?: string, aud?: string) => Promise<string>;
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwksServer = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", () => r()));
    const port = (jwksServer.address() as { port: number }).port;
    oidc = await startStack({ env: { AUTH_JWT_SECRET: "", AUTH_JWKS_URL: `http://127.0.0.1:${port}/keys`, AUTH_ISSUER: "https://login.example.com/tenant/v2.0", AUTH_AUDIENCE: "api://voice" } });
    sign = (claims, iss = "https://login.example.com/tenant/v2.0", aud = "api://voice") =>
      new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("oid-1").setIssuer(iss).setAudience(aud).setExpirationTime("5m").sign(privateKey);
  });
  afterAll(async () => {
    await oidc.stop();
    jwksServer.close();
  });

  test("a token from the configured issuer for the configured audience is admitted", async () => {
    const client = await connect(oidc.wsUrl(), await sign({}));
    await client.waitFor("session.created");
    client.ws.close();
  });
  test("401 for the wrong issuer", async () => {
    expect(await refusal(oidc.wsUrl(), await sign({}, "https://evil.example.com"))).toMatchObject({ status: 401, code: "token_bad_issuer" });
  });
  test("401 for the wrong audience", async () => {
    expect(await refusal(oidc.wsUrl(), await sign({}, undefined, "api://other"))).toMatchObject({ status: 401, code: "token_bad_audience" });
  });
  test("401 for an HS256 token (symmetric algorithms are not accepted with OIDC)", async () => {
    expect(await refusal(oidc.wsUrl(), await mintToken())).toMatchObject({ status: 401, code: "token_bad_algorithm" });
  });
});
