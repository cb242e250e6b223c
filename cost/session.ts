/**
 * The cost of one interview. Two methods, chosen by the catalog:
 * - linear (the seed's): audio tokens per minute of interview in and out, plus a flat text allowance
 *   billed as text input. Given the seed's catalog it gives exactly the seed's own per-interview figure.
 * - re-sent context (the realtime API as billed): the interview is a sequence of turns; every response
 *   takes the whole conversation so far (instructions, every user utterance, every reply's audio and
 *   transcript) as input, capped at the context window; the part already sent with the previous
 *   response is a cached prefix, priced at the cached rate.
 */
import type { Catalog } from "./catalog";

export interface SessionParams {
  minutes: number;
  /** Share of the interview the candidate speaks. */
  userSpeakingShare: number;
  /** Share of the interview the model speaks. */
  modelSpeakingShare: number;
  /** Question-answer exchanges a minute: one response each. */
  turnsPerMinute: number;
  /** System prompt tokens (text), part of every response's input. */
  instructionsTokens: number;
}

export interface Tokens {
  audioInput: number;
  audioCachedInput: number;
  audioOutput: number;
  textInput: number;
  textCachedInput: number;
  textOutput: number;
}

export interface SessionCost {
  /** USD per interview: uncached audio input, audio output, text (input + output, uncached), cached input of both kinds. */
  audioInput: number;
  audioOutput: number;
  text: number;
  cached: number;
  total: number;
  tokens: Tokens;
  responses: number;
  method: "linear" | "resent-context";
}

const PER_MILLION = 1e6;

export function sessionParams(catalog: Catalog, minutes: number, overrides: Partial<SessionParams> = {}): SessionParams {
  return { ...catalog.sessionDefaults, minutes, ...overrides };
}

export function priceTokens(catalog: Catalog, tokens: Tokens): Omit<SessionCost, "tokens" | "responses" | "method"> {
  const p = catalog.prices;
  const audioInput = (tokens.audioInput * p.audioInput.value) / PER_MILLION;
  const audioOutput = (tokens.audioOutput * p.audioOutput.value) / PER_MILLION;
  const text = (tokens.textInput * p.textInput.value + tokens.textOutput * p.textOutput.value) / PER_MILLION;
  const cached = (tokens.audioCachedInput * p.audioCachedInput.value + tokens.textCachedInput * p.textCachedInput.value) / PER_MILLION;
  return { audioInput, audioOutput, text, cached, total: audioInput + audioOutput + text + cached };
}

export function sessionCost(catalog: Catalog, params: SessionParams): SessionCost {
  if (!(params.minutes > 0)) throw new RangeError(`minutes must be positive, got ${params.minutes}`);
  const tokens = catalog.model.resendsContext ? resentContextTokens(catalog, params) : linearTokens(catalog, params);
  return { ...priceTokens(catalog, tokens.tokens), tokens: tokens.tokens, responses: tokens.responses, method: catalog.model.resendsContext ? "resent-context" : "linear" };
}

function linearTokens(catalog: Catalog, p: SessionParams): { tokens: Tokens; responses: number } {
  const m = catalog.model;
  return {
    responses: Math.round(p.minutes * p.turnsPerMinute),
    tokens: {
      audioInput: p.minutes * p.userSpeakingShare * m.audioInputTokensPerMinute,
      audioOutput: p.minutes * p.modelSpeakingShare * m.audioOutputTokensPerMinute,
      textInput: (p.minutes / 60) * m.textInputTokensPerHour,
      textOutput: p.minutes * p.modelSpeakingShare * m.outputTextTokensPerSpokenMinute,
      audioCachedInput: 0,
      textCachedInput: 0,
    },
  };
}

/**
 * Turn k's response reads: instructions + turns 1..k-1 (user audio, reply audio, reply text) + user
 * audio of turn k. History beyond the context window is dropped oldest first (the instructions stay);
 * the cached prefix is what the previous response read, less anything dropped since.
 */
function resentContextTokens(catalog: Catalog, p: SessionParams): { tokens: Tokens; responses: number } {
  const m = catalog.model;
  const responses = Math.max(1, Math.round(p.minutes * p.turnsPerMinute));
  const turnMinutes = p.minutes / responses;
  const userAudio = turnMinutes * p.userSpeakingShare * m.audioInputTokensPerMinute;
  const replyAudio = turnMinutes * p.modelSpeakingShare * m.audioOutputTokensPerMinute;
  const replyText = turnMinutes * p.modelSpeakingShare * m.outputTextTokensPerSpokenMinute;
  const window = m.contextWindowTokens;
  const t: Tokens = { audioInput: 0, audioCachedInput: 0, audioOutput: 0, textInput: 0, textCachedInput: 0, textOutput: 0 };
  let previous = { audio: 0, text: 0 };
  for (let k = 1; k <= responses; k++) {
    const historyAudio = (k - 1) * (userAudio + replyAudio);
    const historyText = (k - 1) * replyText;
    // What fits: instructions and the current utterance always; history scaled down to the room left.
    const room = Math.max(0, window - p.instructionsTokens - userAudio);
    const history = historyAudio + historyText;
    const keep = history > room ? room / history : 1;
    const input = { audio: userAudio + historyAudio * keep, text: p.instructionsTokens + historyText * keep };
    // Once history is truncated the prefix changes at its start, so the cache no longer applies to it.
    const cached = keep < 1 ? { audio: 0, text: Math.min(previous.text, p.instructionsTokens) } : previous;
    t.audioCachedInput += Math.min(cached.audio, input.audio);
    t.textCachedInput += Math.min(cached.text, input.text);
    t.audioInput += input.audio - Math.min(cached.audio, input.audio);
    t.textInput += input.text - Math.min(cached.text, input.text);
    t.audioOutput += replyAudio;
    t.textOutput += replyText;
    // The next response's cached prefix is what this one read (the reply itself was generated, not
    // read, so it is conservatively billed as uncached input once).
    previous = input;
  }
  return { tokens: t, responses };
}
