/**
 * What the test page says, as pure functions (tested in explain.test.ts; app.ts only wires them):
 * why it cannot connect, how long it keeps trying, and what the conversation is doing.
 */
import { TOKEN_CHECK_PATH } from "../../../contracts/session";

/**
 * The page's reconnect policy over the client's defaults: enough attempts, with the delay capped at 15 s,
 * to wait out a restart of `npm start` or a redeploy (a new revision starting) without a click.
 */
export const PAGE_RECONNECT = { maxAttempts: 40, maxDelayMs: 15_000 } as const;

export interface BackoffShape {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: number;
}

/** The shortest total wait before the client gives up: every delay at its least (jitter drawn as 0). */
export function minimumPatienceMs(policy: BackoffShape): number {
  let total = 0;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
    total += ceiling * (1 - policy.jitter);
  }
  return total;
}

/** The HTTP URL that checks a token, on the same host as the WebSocket endpoint. */
export function tokenCheckUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  url.pathname = TOKEN_CHECK_PATH;
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** A refusal the proxy explained (`{ error: { code, message } }`), in words a person can act on. */
export function refusalAdvice(code: string, message: string): string {
  switch (code) {
    case "token_missing":
      return "No token: paste a user token (the link `npm start` prints fills it in).";
    case "token_expired":
      return "The token has expired: get a new one (`npm start` prints one valid for an hour; with Entra ID, sign in again).";
    case "token_not_yet_valid":
      return "The token is not valid yet: check this computer's clock.";
    case "token_bad_signature":
      return "The proxy does not accept this token's signature: it was signed with another key. After a restart of `npm start` without AUTH_JWT_SECRET, use the new token it printed.";
    case "token_bad_issuer":
      return "The token comes from an issuer this deployment does not accept (another tenant, or a v1 token where v2 is expected).";
    case "token_bad_audience":
      return "The token is for another API: ask for a token whose audience is this deployment's (its auth.audience).";
    case "token_malformed":
    case "token_bad_algorithm":
    case "token_no_subject":
      return `This is not a token the proxy can use: ${message}.`;
    case "auth_unavailable":
      return "The proxy cannot reach the identity provider to check tokens right now: try again in a minute.";
    default:
      return `${code}: ${message}`;
  }
}

/** The line shown while the client waits to reconnect. */
export function waitingText(r: { attempt: number; maxAttempts: number; delayMs: number; code: number; reason: string }, patienceMs: number): string {
  const why = r.code === 1012 ? "the proxy is restarting" : `connection lost (close ${r.code}${r.reason ? `: ${r.reason}` : ""})`;
  return `Waiting to reconnect: ${why}. Attempt ${r.attempt} of ${r.maxAttempts} in ${(r.delayMs / 1000).toFixed(1)} s; this page keeps trying for at least ${Math.round(patienceMs / 60_000)} min (a restart or a redeploy), and resumes the conversation if the proxy kept it.`;
}

export type Activity = "idle" | "connecting" | "ready" | "listening" | "thinking" | "speaking" | "reconnecting" | "closed";

/**
 * What the conversation is doing, from the client's state and the page's own: the microphone streaming
 * (listening), a turn sent and no answer yet (thinking), answer audio still playing (speaking).
 */
export function activityOf(s: { clientState: string; micOn: boolean; awaitingAnswer: boolean; playingUntil: number; now: number }): Activity {
  switch (s.clientState) {
    case "idle":
      return "idle";
    case "closed":
      return "closed";
    case "connecting":
    case "open":
      return "connecting";
    case "waiting":
    case "draining":
      return "reconnecting";
  }
  if (s.micOn) return "listening";
  if (s.playingUntil > s.now) return "speaking";
  if (s.awaitingAnswer) return "thinking";
  return "ready";
}
