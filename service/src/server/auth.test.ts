/** Where the user's token is found. */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { createVerifier, extractToken } from "./auth";

test("token places", () => {
  const req = (headers: Record<string, string>, url = "/voice-live/realtime") => ({ headers, url });
  expect(extractToken(req({ authorization: "Bearer abc" }))).toBe("abc");
  expect(extractToken(req({ "api-key": "def" }))).toBe("def");
  expect(extractToken(req({}, "/x?api-key=ghi"))).toBe("ghi");
  expect(extractToken(req({}, "/x?token=jkl"))).toBe("jkl");
  expect(extractToken(req({ "sec-websocket-protocol": "realtime, openai-insecure-api-key.mno" }))).toBe("mno");
  expect(extractToken(req({}))).toBeUndefined();
});


describe("expiry is required and bounded (HS256 and OIDC)", () => {
  const secret = "test-secret-of-at-least-thirty-two-characters";
  const hs = createVerifier({ mode: "hs256", secret, maxLifetimeMinutes: 60 });
  const sign = (exp?: string | number) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").setIssuedAt();
    if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
    return jwt.sign(new TextEncoder().encode(secret));
  };

  test("HS256: no exp is refused as token_no_expiry; exp past the bound as token_lifetime_too_long; within it accepted", async () => {
    await expect(hs(await sign())).rejects.toMatchObject({ reason: "token_no_expiry" });
    await expect(hs(await sign("10 years"))).rejects.toMatchObject({ reason: "token_lifetime_too_long" });
    await expect(hs(await sign("61m"))).rejects.toMatchObject({ reason: "token_lifetime_too_long" });
    await expect(hs(await sign("59m"))).resolves.toMatchObject({ userId: "u" });
  });

  test("OIDC: an RS256 token without exp from the pinned issuer is refused", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const oidc = createVerifier(
      { mode: "oidc", jwksUrl: "https://idp.example.com/keys", issuer: "https://idp.example.com", audience: "api://voice", maxLifetimeMinutes: 24 * 60 },
      createLocalJWKSet({ keys: [jwk] }),
    );
    const token = (exp?: string) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("u").setIssuer("https://idp.example.com").setAudience("api://voice");
      if (exp) jwt = jwt.setExpirationTime(exp);
      return jwt.sign(privateKey);
    };
    await expect(oidc(await token())).rejects.toMatchObject({ reason: "token_no_expiry" });
    await expect(oidc(await token("30d"))).rejects.toMatchObject({ reason: "token_lifetime_too_long" });
    await expect(oidc(await token("1h"))).resolves.toMatchObject({ userId: "u" });
  });
});
