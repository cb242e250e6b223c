/**
 * User authentication at the upgrade: where the token is found, and how it is verified (jose).
 * Every failure becomes a stable reason code the client sees in the 401 body.
 */
import type { IncomingMessage } from "node:http";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { TOKEN_SUBPROTOCOL_PREFIX, type RefusalCode } from "../../../contracts";
import type { AuthConfig } from "../config";

/** The browser client of `openai` (OpenAIRealtimeWebSocket) and ours authenticate with this subprotocol prefix. */
export const INSECURE_KEY_PROTOCOL = TOKEN_SUBPROTOCOL_PREFIX;

/**
 * The user's token from wherever an official SDK puts its key: `Authorization: Bearer`, the `api-key`
 * header, the `api-key` or `token` query, or the browser subprotocol.
 */
export function extractToken(req: Pick<IncomingMessage, "headers" | "url">): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer) return bearer;
  const header = req.headers["api-key"];
  if (typeof header === "string" && header) return header;
  const query = new URL(req.url ?? "/", "http://proxy").searchParams;
  const fromQuery = query.get("api-key") ?? query.get("token");
  if (fromQuery) return fromQuery;
  const protocols = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const fromProtocol = protocols.find((p) => p.startsWith(INSECURE_KEY_PROTOCOL));
  return fromProtocol ? fromProtocol.slice(INSECURE_KEY_PROTOCOL.length) : undefined;
}

/** Reasons a token is refused (401), or the identity provider is unreachable (503). */
export type AuthFailure = Extract<RefusalCode, `token_${string}`> | "auth_unavailable";

export class AuthError extends Error {
  constructor(readonly reason: AuthFailure, message: string) {
    super(message);
  }
}

export interface Authenticated {
  userId: string;
  claims: JWTPayload;
}

export type Verifier = (token: string | undefined) => Promise<Authenticated>;

/**
 * HS256 for local and simple setups; OIDC (asymmetric algorithms only, issuer and audience pinned).
 * Either way the token must expire (`exp` required), and not too far from now (`maxLifetimeMinutes`):
 * a token without an end would admit its holder for ever.
 */
export function createVerifier(auth: AuthConfig, jwks?: JWTVerifyGetKey, now: () => number = Date.now): Verifier {
  const key: Uint8Array | JWTVerifyGetKey =
    auth.mode === "hs256" ? new TextEncoder().encode(auth.secret) : (jwks ?? createRemoteJWKSet(new URL(auth.jwksUrl)));
  const algorithms = auth.mode === "hs256" ? ["HS256"] : ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"];
  const options = { algorithms, issuer: auth.issuer, audience: auth.audience, clockTolerance: 5, requiredClaims: ["exp"] };

  return async (token) => {
    if (!token) throw new AuthError("token_missing", "no token: send it as Authorization: Bearer, api-key, or ?token=");
    let payload: JWTPayload;
    try {
      ({ payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (error) {
      throw toAuthError(error);
    }
    if (!payload.sub) throw new AuthError("token_no_subject", "the token has no subject (sub)");
    const lifetimeS = (payload.exp ?? 0) - now() / 1000;
    if (lifetimeS > auth.maxLifetimeMinutes * 60) {
      throw new AuthError("token_lifetime_too_long", `the token is valid for ${Math.round(lifetimeS / 60)} more minutes; at most ${auth.maxLifetimeMinutes} are accepted`);
    }
    return { userId: payload.sub, claims: payload };
  };
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof errors.JWTExpired) return new AuthError("token_expired", "the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return new AuthError("token_not_yet_valid", "the token is not valid yet");
    if (error.claim === "iss") return new AuthError("token_bad_issuer", "the token's issuer is not accepted");
    if (error.claim === "aud") return new AuthError("token_bad_audience", "the token's audience is not accepted");
    if (error.claim === "exp" && error.reason === "missing") return new AuthError("token_no_expiry", "the token has no expiry (exp)");
    return new AuthError("token_malformed", `the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError("token_bad_signature", "the token's signature is invalid");
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthError("token_bad_algorithm", "the token's algorithm is not accepted");
  if (error instanceof errors.JWKSNoMatchingKey) return new AuthError("token_bad_signature", "no key matches the token");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new AuthError("auth_unavailable", "the identity provider's keys could not be fetched");
  }
  return new AuthError("token_malformed", "the token is not a valid JWT");
}
