/**
 * Health and metrics, in two places:
 * - the public port (what Front Door, the platform's probes and anyone on the internet reach): `/healthz`
 *   and `/readyz` say ok/ready or not, and nothing else; `/metrics` is not served there. Upstream names,
 *   breaker states and per-upstream counts tell an attacker when to strike, so they stay off it.
 * - the operators' port (ADMIN_PORT, unset by default: not served): `/readyz` with its reason, sessions,
 *   the shared store's state and every upstream's breaker and quota, and `/metrics`. Container Apps'
 *   ingress exposes only the target port, so this listener is reachable only from inside the replica's
 *   network (a scraper sidecar, `kubectl port-forward`, a self-hosted Prometheus on a private network).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HealthPath } from "../../../contracts";
import { sendJson } from "./http";

export type NotReady = "draining" | "no_upstream" | "full";

export interface HealthView {
  /** Undefined when ready; else why not. */
  notReady(): NotReady | undefined;
  /** What the operators' `/readyz` adds. */
  details(): Record<string, unknown>;
  metrics(req: IncomingMessage, res: ServerResponse): void;
}

/** Answers a health or metrics request; false for any other path. `admin`: the operators' listener. */
export function answerHealth(req: IncomingMessage, res: ServerResponse, view: HealthView, admin: boolean): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const path = (req.url ?? "/").split("?")[0];
  if (path === HealthPath.live) {
    sendJson(res, 200, admin ? { status: "ok", ...view.details() } : { status: "ok" });
    return true;
  }
  if (path === HealthPath.ready) {
    const reason = view.notReady();
    const status = reason === undefined ? 200 : 503;
    sendJson(res, status, admin ? { status: reason ?? "ready", ...view.details() } : { status: reason === undefined ? "ready" : "not_ready" });
    return true;
  }
  if (path === HealthPath.metrics && admin) {
    view.metrics(req, res);
    return true;
  }
  return false;
}
