/**
 * One cost record per session connection, keyed by the session id a resume keeps, with a pseudonymous
 * user and the token's tenant: the record itself, the customEvent the Azure Monitor exporter makes of
 * it, and the records a real session through the proxy writes (a resume included).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { emptyTotals } from "../../cost";
import { COST_EVENT_NAME, costRecord, pseudonymousUserId, tenantOf } from "../../service/src/server/costRecord";
import { CUSTOM_EVENT_NAME_ATTRIBUTE } from "../../service/src/server/telemetry";
import { SignJWT } from "jose";
import { SECRET, startStack, type TestStack } from "../support/stack";

const SALT = "a-salt-of-sixteen-plus-characters";
// A made-up tenant id: any GUID is a tenant id to the record (Entra's `tid` claim is a GUID).
const TENANT = "3c9e5f21-8a4b-4d7e-9b1f-6e2d8c0a7f53";

describe("the record", () => {
  test("the user is an HMAC of the subject under the salt: stable, salted, never the subject", () => {
    const a = pseudonymousUserId("alice@example.com", SALT);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonymousUserId("alice@example.com", SALT)).toBe(a);
    expect(pseudonymousUserId("alice@example.com", `${SALT}x`)).not.toBe(a);
    expect(pseudonymousUserId("bob@example.com", SALT)).not.toBe(a);
    const record = costRecord({ sessionId: "s1", subject: "alice@example.com", salt: SALT, claims: { tid: TENANT }, totals: emptyTotals(), ending: "client_closed", outcome: "ended", elapsedMinutes: 30, resumed: false, upstreamModels: ["gpt-realtime"] });
    expect(JSON.stringify(record)).not.toContain("alice");
    expect(record).toMatchObject({ session_id: "s1", user: a, tenant: TENANT, completed: true, usd: 0, tokens_output_audio: 0 });
  });
  test("tenant: Entra's tid when it is a GUID; no salt, no user", () => {
    expect(tenantOf({ tid: TENANT.toUpperCase() })).toBe(TENANT);
    expect(tenantOf({ tid: "contoso" })).toBeUndefined();
    expect(tenantOf(undefined)).toBeUndefined();
    const record = costRecord({ sessionId: "s1", subject: "alice", totals: emptyTotals(), ending: "idle", outcome: "detached", elapsedMinutes: 5, resumed: false, upstreamModels: [] });
    expect(record.user).toBeUndefined();
    expect(record.completed).toBe(false); // detached: it may resume
  });
  test("the exporter sends it as a customEvent: a log record with microsoft.custom_event.name becomes EventData", () => {
    // @azure/monitor-opentelemetry-exporter's own mapping (utils/logUtils.js logToEnvelope), loaded from the installed package.
    const exporterRoot = join(require.resolve("@azure/monitor-opentelemetry"), "..", "..", "..", "..", "monitor-opentelemetry-exporter", "dist", "commonjs");
    const { logToEnvelope } = createRequire(__filename)(join(exporterRoot, "utils", "logUtils.js")) as { logToEnvelope: (log: unknown, ikey: string) => { name: string; data: { baseType: string; baseData: { name: string; properties: Record<string, string> } } } };
    const record = costRecord({ sessionId: "s1", subject: "alice", salt: SALT, claims: { tid: TENANT }, totals: { ...emptyTotals(), usd: 1.5 }, ending: "client_closed", outcome: "ended", elapsedMinutes: 30, resumed: true, upstreamModels: ["gpt-realtime"] });
    const envelope = logToEnvelope({ hrTime: [1_700_000_000, 0], attributes: { [CUSTOM_EVENT_NAME_ATTRIBUTE]: COST_EVENT_NAME, ...record }, resource: { attributes: {} }, instrumentationScope: { name: "voice" } }, "ikey");
    expect(envelope.data.baseType).toBe("EventData");
    expect(envelope.data.baseData.name).toBe(COST_EVENT_NAME);
    expect(envelope.data.baseData.properties).toMatchObject({ session_id: "s1", tenant: TENANT, user: pseudonymousUserId("alice", SALT), usd: "1.5", completed: "true" });
  });
});

describe("through the proxy", () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  test("each connection of a session writes a record under the same session id; summed they are the session's cost", async () => {
    stack = await startStack({ env: { COST_RECORD_SALT: SALT } });
    const { connect } = await import("../support/stack");
    // A token with Entra's tenant claim, signed like the stack's dev tokens (HS256, the test secret).
    const token = await new SignJWT({ tid: TENANT }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setSubject("carol").setExpirationTime("10m").sign(new TextEncoder().encode(SECRET));
    const turn = async (client: Awaited<ReturnType<typeof connect>>) => {
      const mark = client.events.length;
      client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(48_000).toString("base64") });
      client.send({ type: "input_audio_buffer.commit" });
      client.send({ type: "response.create" });
      await client.waitFor("response.done", 10_000, mark);
    };
    const first = await connect(stack.wsUrl(), token);
    const session = await first.waitFor("proxy.session");
    await turn(first);
    first.ws.close(4000, "network went away"); // not a normal close: the session may resume
    await new Promise((r) => setTimeout(r, 200));
    const second = await connect(`${stack.wsUrl()}&resume=${encodeURIComponent(String(session.resume_token))}`, token);
    await second.waitFor("session.created");
    await turn(second);
    second.ws.close(1000);
    await new Promise((r) => setTimeout(r, 300));
    const lines = stack.logs().split("\n").filter((l) => l.includes('"session cost"')).map((l) => JSON.parse(l));
    const ended = stack.logs().split("\n").filter((l) => l.includes('"session ended"')).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const records = lines.map((l) => l.costRecord);
    expect(new Set(records.map((r) => r.session_id)).size).toBe(1);
    expect(records.map((r) => [r.outcome, r.resumed, r.completed])).toEqual([["detached", false, false], ["ended", true, true]]);
    for (const r of records) expect(r).toMatchObject({ user: pseudonymousUserId("carol", SALT), tenant: TENANT, responses: 1 });
    expect(records[0].usd + records[1].usd).toBeCloseTo(ended[0].usd + ended[1].usd, 6);
    expect(JSON.stringify(records)).not.toContain("carol");
    // Nor does any log line around them: the session's lines carry the same pseudonymous user.
    expect(stack.logs()).not.toContain("carol");
    expect(ended.map((l) => l.user)).toEqual([pseudonymousUserId("carol", SALT), pseudonymousUserId("carol", SALT)]);
  }, 30_000);
});
