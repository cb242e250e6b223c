/**
 * What an interview looks like to the meter: who speaks how much, how often the model answers, how much
 * of the re-sent conversation the prompt cache serves. Each figure with why it is what it is, and a
 * range, because none of them is measured yet: the service's meter (`voice.tokens` by kind, the
 * session's totals in its end-of-session log line) measures them from the first real interview, and
 * the ranges below should then be replaced by what it measured.
 */

export interface Range<T> {
  low: T;
  expected: T;
  high: T;
}

export interface SpeakingShares {
  /** Share of the interview the candidate speaks. */
  user: number;
  /** Share of the interview the model speaks. */
  model: number;
}

/**
 * How the conversation is cut once it outgrows the model's input limit (the realtime session's
 * `truncation`): "auto", the API's default, drops the oldest messages just enough to fit, so every
 * later response truncates again and re-reads its history uncached; "retention_ratio" drops down to
 * that fraction of the limit, so the cache holds for several turns between cuts. OpenAI's Realtime
 * reference (RealtimeTruncation / RetentionRatioTruncation, 2025-2026) documents both; whether Azure
 * OpenAI and Voice Live honour `retention_ratio` the same way is not documented (only a real
 * subscription can show it).
 */
export type Truncation = { type: "auto" } | { type: "retention_ratio"; retentionRatio: number };

/**
 * The expected interview.
 * - Speaking shares: interviewing guides ask the interviewer to talk 20-25% of the talking time and the
 *   candidate the rest ("What is the 80/20 Rule and How It Applies to Interviews", HighMatch, 2022-06-10;
 *   "Interviewing - How To Talk Only 25% Of The Time", net-temps.com). With a quarter of the interview
 *   spent in thinking pauses and turn-taking gaps (assumption), that is ~55% candidate and ~20% model.
 *   The seed's 35% / 45% had the model talking more than the candidate.
 * - One exchange a minute: a question (~10-15 s) and an answer of ~45 s; behavioural answers run
 *   1-2 minutes, follow-ups are shorter (assumption; jrothman.com "Structuring Interview Time", 2005,
 *   spends 40 minutes on questions and follow-ups). Each exchange is one response.
 * - 1,200 tokens of instructions: the interview plan, the role and the rules (assumption).
 * - One reply in ten interrupted by the candidate, half of it unheard (assumption): the whole reply is
 *   billed and stays in the conversation (the proxy sends no `conversation.item.truncate`).
 */
export const EXPECTED_INTERVIEW = {
  userSpeakingShare: 0.55,
  modelSpeakingShare: 0.2,
  turnsPerMinute: 1,
  instructionsTokens: 1200,
  interruptedShare: 0.1,
  unheardShareWhenInterrupted: 0.5,
} as const;

/**
 * The ranges `npm run cost` and the budget's derivation show. "low" and "high" are the parameter's
 * values, not the cost's: the estimate reports which end is dearer.
 * - Cache hit rate (share of the re-sent prefix the prompt cache serves): one public 15-minute session
 *   on gpt-4o-realtime-preview-2024-12-17 had 63% of its audio input served from cache, and 97.5% after
 *   moving to the 2025-06-03 snapshot ("Realtime API cost anomaly: disproportionate charges on audio
 *   input", community.openai.com, 2025); Azure documents caches as best effort, cleared after 5-10
 *   minutes of inactivity ("Prompt caching", learn.microsoft.com/azure/ai-foundry/openai/how-to/prompt-caching).
 *   Expected 95%, from 60% to 100%.
 * - Speaking shares: from a talkative candidate (60% / 15%) to the seed's talkative model (35% / 45%).
 * - Turns a minute: from long answers (0.5) to server VAD cutting answers at every thinking pause (2,
 *   the seed's figure).
 */
export const INTERVIEW_RANGES: {
  cacheHitRate: Range<number>;
  speakingShares: Range<SpeakingShares>;
  turnsPerMinute: Range<number>;
} = {
  cacheHitRate: { low: 0.6, expected: 0.95, high: 1 },
  speakingShares: { low: { user: 0.6, model: 0.15 }, expected: { user: 0.55, model: 0.2 }, high: { user: 0.35, model: 0.45 } },
  turnsPerMinute: { low: 0.5, expected: 1, high: 2 },
};

/** The truncation the service's sessions get when nobody sets one: the API's default. */
export const DEFAULT_TRUNCATION: Truncation = { type: "auto" };

/** The alternative shown beside it: what a session could ask for to keep its cache (OpenAI's example value). */
export const RETENTION_TRUNCATION: Truncation = { type: "retention_ratio", retentionRatio: 0.8 };

export function describeTruncation(t: Truncation): string {
  return t.type === "auto" ? "auto (drop just enough, every turn past the limit)" : `retention ratio ${t.retentionRatio} (drop to ${Math.round(t.retentionRatio * 100)}% of the limit)`;
}
