/**
 * Opening upstream connections for sessions: which upstream (the selector's order, its breaker, its quota
 * of new connections), the connection itself, and what each attempt teaches the breaker and telemetry.
 */
import type { Logger } from "pino";
import { ConnectStage, MetricAttribute } from "../../../contracts";
import type { Clock } from "../session/clock";
import { NoUpstreamAvailable, type UpstreamLink } from "../session/core";
import { wsLeg } from "../session/legs";
import type { ConnectionQuota } from "./connectionQuota";
import type { Telemetry } from "./telemetry";
import { connectUpstream, type ClientRoute, type UpstreamConnectError, type UpstreamSelector } from "./upstream";
import { connectFailureKind, type UpstreamHealth } from "./upstreamHealth";

export interface ConnectorDeps {
  selector: UpstreamSelector;
  health: UpstreamHealth;
  quota: ConnectionQuota;
  telemetry: Telemetry;
  logger: Logger;
  clock: Clock;
  limits: { upstreamConnectTimeoutMs: number; upstreamMaxPayload: number; quotaWaitMs: number };
}

export interface UpstreamConnector {
  /** A new session's place on an upstream that can take it, waiting up to quotaWaitMs for room. */
  reserve(route: ClientRoute): Promise<{ ok: true; name: string } | { ok: false; retryAfterMs: number }>;
  /**
   * Opens an upstream for a session: best candidate first (the one `reserved` at admission before all),
   * each new connection taken from that upstream's quota (one without room is skipped; when none has
   * room, waits up to quotaWaitMs once), failures the upstream caused recorded in its breaker; `exclude`
   * only while others exist.
   */
  connect(route: ClientRoute, exclude: ReadonlySet<string>, signal: AbortSignal, reserved?: string): Promise<UpstreamLink>;
}

export function createUpstreamConnector({ selector, health, quota, telemetry, logger, clock, limits }: ConnectorDeps): UpstreamConnector {
  const servedModelList = (route: ClientRoute) => selector.allowedModels(route).join(", ") || "none";

  async function reserve(route: ClientRoute): Promise<{ ok: true; name: string } | { ok: false; retryAfterMs: number }> {
    const names = () => selector.candidates(route).map((u) => u.name);
    let first = await quota.first(names());
    if (!first.ok && first.retryAfterMs <= limits.quotaWaitMs) {
      await new Promise<void>((r) => clock.after(first.ok ? 0 : first.retryAfterMs, r));
      first = await quota.first(names());
    }
    return first;
  }

  async function connect(route: ClientRoute, exclude: ReadonlySet<string>, signal: AbortSignal, reserved?: string): Promise<UpstreamLink> {
    const ordered = () => {
      let candidates = selector.candidates(route, exclude);
      if (candidates.length === 0 && exclude.size > 0) candidates = selector.candidates(route);
      const first = candidates.find((u) => u.name === reserved);
      return first ? [first, ...candidates.filter((u) => u !== first)] : candidates;
    };
    let previous: string | undefined;
    for (let round = 0; round < 2 && !signal.aborted; round++) {
      let soonest = Infinity;
      for (const upstream of ordered()) {
        if (signal.aborted) break;
        if (upstream.name !== reserved) {
          const room = await quota.upstream(upstream.name);
          if (!room.ok) {
            soonest = Math.min(soonest, room.retryAfterMs);
            continue;
          }
        }
        reserved = undefined;
        const attrs = { [MetricAttribute.stage]: ConnectStage.upstream, [MetricAttribute.upstream]: upstream.name, [MetricAttribute.region]: upstream.region ?? upstream.name };
        telemetry.connectAttempt(attrs);
        if (previous) telemetry.failover(previous, upstream.name);
        health.attempt(upstream.name);
        try {
          const opened = await connectUpstream(upstream, route, { timeoutMs: limits.upstreamConnectTimeoutMs, maxPayload: limits.upstreamMaxPayload, signal });
          const leg = wsLeg(opened.ws, opened.early);
          opened.release();
          health.opened(upstream.name);
          return { leg, name: upstream.name, region: upstream.region ?? upstream.name };
        } catch (error) {
          const e = error as UpstreamConnectError;
          if (signal.aborted && !e.timedOut) throw new NoUpstreamAvailable("the session ended while connecting");
          const kind = connectFailureKind(e.status, e.timedOut);
          telemetry.connectFailure(e.status ? `http_${e.status}` : e.timedOut ? "timeout" : "network", attrs);
          logger.warn({ upstream: upstream.name, status: e.status, err: e.message }, "upstream connect failed");
          // The request's own shape was refused: no breaker learns from it, and no other upstream would differ.
          if (kind === "client") {
            health.inconclusive(upstream.name);
            throw new NoUpstreamAvailable(`upstream ${upstream.name} refused the request (HTTP ${e.status})`);
          }
          health.failure(upstream.name, kind, e.retryAfterMs);
          previous = upstream.name;
        }
      }
      // Every candidate was out of quota (none failed): wait once for the soonest to have room, if that is soon.
      if (previous !== undefined || soonest > limits.quotaWaitMs) break;
      await new Promise<void>((r) => clock.after(soonest, r));
    }
    throw new NoUpstreamAvailable(`no upstream for ${route.path} (${servedModelList(route)})`);
  }

  return { reserve, connect };
}
