/** The contract's own rules: one upstream schema for both sides, refusals with their statuses. */
import { apiKeyEnvOf, Refusal, refusalsCausedBy, UpstreamListSchema } from ".";

const entry = (name: string, extra: object = {}) => ({ name, url: `https://${name}.services.ai.azure.com`, kind: "voice-live", priority: 1, model: "gpt-realtime", ...extra });

test("one upstream schema: duplicate names and the model or deployment each kind needs, every problem at once", () => {
  const result = UpstreamListSchema.safeParse([entry("au"), entry("au"), entry("us", { kind: "azure-openai" }), entry("x", { model: undefined })]);
  expect(result.success).toBe(false);
  expect(result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).sort()).toEqual([
    "1.name: duplicate upstream name \"au\" (also entry 0)",
    "2.deployment: required for azure-openai",
    "3.model: required for voice-live",
  ]);
});

test("the key's variable: named by the entry, or derived from its name", () => {
  expect(apiKeyEnvOf({ name: "au-east" })).toBe("UPSTREAM_AU_EAST_API_KEY");
  expect(apiKeyEnvOf({ name: "au", apiKeyEnv: "MY_KEY" })).toBe("MY_KEY");
});

test("refusals: 401 for every token reason, the client's own refusals apart from the platform's", () => {
  for (const [code, refusal] of Object.entries(Refusal)) if (code.startsWith("token_")) expect(refusal.status).toBe(401);
  expect(refusalsCausedBy("platform").sort()).toEqual(["admission_unavailable", "auth_unavailable", "draining", "instance_full", "upstream_busy"]);
  expect(refusalsCausedBy("client")).toEqual(expect.arrayContaining(["user_session_limit", "user_rate_limited", "bad_parameter", "token_no_expiry"]));
});
