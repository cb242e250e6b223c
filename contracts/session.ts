/**
 * Session limits both sides agree on: the stack's defaults are the service's defaults, and the
 * per-instance bound is derived from the scale target by one rule.
 */
export const SESSION_DEFAULTS = {
  /** Interview limit, counted across reconnects and resumes. */
  maxMinutes: 45,
  /** Transparent upstream rotation interval. */
  rotateMinutes: 9,
  maxPerUser: 2,
  /** A client that sends nothing (no audio, no event) for this long is closed; it may still resume. */
  idleMinutes: 5,
  /** How long a session whose connection is gone stays resumable. */
  resumeTtlSeconds: 120,
  /**
   * SIGTERM: readiness fails at once, and clients are told to reconnect this much later, when the load
   * balancer has stopped sending new upgrades here (Container Apps probes readiness every 5 s and needs
   * 2 failures: 10 s).
   */
  drainDelaySeconds: 10,
  /**
   * SIGTERM to SIGKILL when the platform does not say (the stacks set terminationGracePeriodSeconds and
   * pass it as TERMINATION_GRACE_SECONDS): Container Apps' default is 30 s.
   */
  terminationGraceSeconds: 30,
} as const;

/** The scale rule's target when a stack sets none. */
export const DEFAULT_SESSIONS_PER_REPLICA = 50;

/**
 * MAX_SESSIONS_PER_INSTANCE from the scale target: a replica may run past its target while new
 * replicas start (scale-out takes tens of seconds), so the hard bound sits 50% above it.
 */
export function instanceSessionLimit(sessionsPerReplica: number): number {
  return Math.ceil(sessionsPerReplica * 1.5);
}

/** The port the service listens on in its container (ingress targetPort, probes). */
export const SERVICE_PORT = 3000;

/** Health endpoints the platform probes. */
export const HealthPath = { live: "/healthz", ready: "/readyz", metrics: "/metrics" } as const;
