/**
 * `POST /auth/check` (TOKEN_CHECK_PATH): tells a client whether the proxy accepts its token, before it
 * opens a WebSocket. A browser cannot read why an upgrade was refused (it sees a close 1006), so the test
 * page asks here first, and again when a reconnect fails, and can say "the token has expired" instead of
 * "closed 1006". The token travels in a text/plain body: a simple cross-origin request (no preflight),
 * not in the URL (which proxies log). It answers what the upgrade would for the token, nothing more.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Refusal } from "../../../contracts";
import { sendJson } from "./http";
import { AuthError, type Verifier } from "./auth";

/** A JWT is a few KiB at most; anything longer is not a token. */
export const TOKEN_CHECK_MAX_BYTES = 16 * 1024;

export function answerTokenCheck(req: IncomingMessage, res: ServerResponse, verify: Verifier, now: () => number = Date.now): void {
  let body = "";
  let tooLong = false;
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    if (tooLong) return;
    body += chunk;
    if (Buffer.byteLength(body) > TOKEN_CHECK_MAX_BYTES) {
      tooLong = true;
      sendJson(res, 413, { error: { code: "token_malformed", message: `the body is over ${TOKEN_CHECK_MAX_BYTES} bytes: not a token` } });
      req.destroy();
    }
  });
  req.on("end", () => {
    if (tooLong) return;
    verify(body.trim() || undefined).then(
      ({ claims }) => sendJson(res, 200, { status: "ok", expiresInSeconds: typeof claims.exp === "number" ? Math.max(0, Math.floor(claims.exp - now() / 1000)) : null }),
      (error: unknown) => {
        if (error instanceof AuthError) return sendJson(res, Refusal[error.reason].status, { error: { code: error.reason, message: error.message } });
        sendJson(res, 500, { error: { code: "internal", message: "the token could not be checked" } });
      },
    );
  });
}
