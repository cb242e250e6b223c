/**
 * Bounds of a session's resume state (its configuration and its conversation as text), counted in the
 * bytes that are shared: the UTF-8 of the JSON exactly as Redis stores it (and as the in-process store
 * counts it). A client's input over a bound is refused with a realtime `error` naming the bound; the
 * conversation keeps its newest items within the per-session bound (older ones are dropped and counted).
 * A user's detached sessions count too: beyond `maxDetachedPerUser` the oldest stops being resumable.
 * Defined once here; the service reads overrides from the environment (Env in ./env).
 */
export interface ResumeStateLimits {
  /** Largest single conversation item (a message's text, a function call or its output, with its ids). */
  itemMaxBytes: number;
  /** All conversation items of one session together; the oldest items are dropped past it. */
  conversationMaxBytes: number;
  /** Items kept, whatever their size; the oldest are dropped past it. */
  maxItems: number;
  /** The session configuration (the merged `session` objects of the client's session.update events). */
  configMaxBytes: number;
  /** Detached sessions (no connection holds them, still resumable) one user may keep. */
  maxDetachedPerUser: number;
}

/**
 * Defaults. 128 KiB of items holds about 120,000 characters of English text in a few hundred items,
 * more than the ~80,000 characters (~20,000 tokens) earlier versions kept; text outside ASCII takes 2-4
 * bytes a character, so such a conversation keeps fewer characters. A tool result up to 32 KiB fits in
 * one item. The configuration bound (64 KiB) leaves room for long instructions and many tool schemas.
 */
export const RESUME_STATE_DEFAULTS: Omit<ResumeStateLimits, "maxDetachedPerUser"> = {
  itemMaxBytes: 32 * 1024,
  conversationMaxBytes: 128 * 1024,
  maxItems: 400,
  configMaxBytes: 64 * 1024,
};

/**
 * Detached sessions a user may keep when MAX_DETACHED_PER_USER is not set: twice the live limit, so a
 * drain (which detaches every live session at once) never costs a user a resumable session.
 */
export function defaultMaxDetachedPerUser(maxSessionsPerUser: number): number {
  return 2 * maxSessionsPerUser;
}

/** The resume states one user can hold at once: live sessions plus detached ones. */
export function resumeStatesPerUser(maxSessionsPerUser: number, limits: Pick<ResumeStateLimits, "maxDetachedPerUser">): number {
  return maxSessionsPerUser + limits.maxDetachedPerUser;
}

/**
 * Upper bound of the payload bytes one session's resume state holds in Redis (configuration plus items;
 * the ids, route and counters add a few hundred bytes, and Redis its own per-key overhead).
 */
export function resumeStateMaxBytes(limits: Pick<ResumeStateLimits, "conversationMaxBytes" | "configMaxBytes">): number {
  return limits.conversationMaxBytes + limits.configMaxBytes;
}

/** Upper bound of the payload bytes one user's resume states hold in Redis. */
export function resumeBytesPerUser(maxSessionsPerUser: number, limits: ResumeStateLimits): number {
  return resumeStatesPerUser(maxSessionsPerUser, limits) * resumeStateMaxBytes(limits);
}

/** Realtime `error` codes the proxy sends when it refuses an input over a bound (the event is not forwarded). */
export const ResumeLimitError = {
  itemTooLarge: "conversation_item_too_large",
  configTooLarge: "session_config_too_large",
  /** After the upgrade: the user holds more sessions than MAX_SESSIONS_PER_USER (found once Redis is back). */
  userSessionLimit: "user_session_limit",
} as const;
