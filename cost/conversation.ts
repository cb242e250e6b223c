/**
 * What one interview reads and writes, response by response, as the service runs it: the engine both
 * the model (session.ts, from minute-based parameters) and the metering check (a scripted session's
 * observed turns) price with. Pure.
 *
 * The rules, each with where it comes from:
 * - Every response reads the conversation so far on its upstream connection (instructions, earlier
 *   items, the candidate's current utterance) as input; the reply is billed as output in full, also when
 *   the candidate interrupts it (the proxy never sends `conversation.item.truncate`, so the whole reply
 *   stays in the conversation too).
 * - A new upstream connection (a rotation every UPSTREAM_ROTATE_MINUTES, or a failover) is primed by the
 *   proxy with the conversation as text (service/src/session/conversation.ts `primingEvents`): the
 *   candidate's transcripts and the model's, the newest kept within the proxy's bound. From there the
 *   context is instructions + that text + the new connection's own audio turns: the history stops
 *   growing as audio.
 * - The prompt cache serves the unchanged prefix of the previous response's input on the same
 *   connection, from 1,024 tokens in 128-token steps ("Prompt caching", learn.microsoft.com/azure/
 *   ai-foundry/openai/how-to/prompt-caching, read 2026-12-03: "A minimum of 1,024 tokens", "cache hits
 *   ... in 128 token increments", realtime operations included). The first response on a new
 *   connection is priced with nothing cached: whether a cached prefix carries across realtime
 *   connections is not documented, so the dearer reading.
 * - Truncation: past the model's context limit the oldest items are dropped ("A 32k context model with
 *   4,096 max output tokens can only include 28,224 tokens in the context before truncation occurs",
 *   OpenAI API RealtimeTruncation, as published in openai-client-base 0.12.0 docs/RealtimeTruncation.md,
 *   read 2026-12-03). "auto" drops just enough; "retention_ratio" drops until that fraction of the
 *   post-instruction limit is used. A cut invalidates the cache beyond the instructions.
 */

export interface ConversationTurn {
  /** Audio tokens of the candidate's utterance this response answers (input). */
  userAudio: number;
  /** Text tokens of its transcript (what priming re-sends; 0 without input transcription). */
  userTranscript: number;
  /** Audio tokens the model generated (output, billed in full). */
  replyAudio: number;
  /** Text tokens the model generated alongside (its transcript; output). */
  replyText: number;
}

export type TruncationRule = { type: "auto" } | { type: "retention_ratio"; retentionRatio: number };

export interface ConversationRules {
  /** Text tokens of the instructions (the system prompt), part of every input. */
  instructionsTokens: number;
  /** Input tokens past which the oldest items are dropped. */
  truncationTokens: number;
  truncation: TruncationRule;
  /** Share of the servable prefix the cache serves (0-1). */
  cacheHitRate: number;
  /** The prompt cache's minimum and step; undefined: every prefix token is servable. */
  cache?: { minimumTokens: number; incrementTokens: number };
  /** Text tokens of conversation the proxy keeps to prime a new connection (newest first kept). */
  primedTextLimitTokens: number;
}

export interface ConversationTokens {
  audioInput: number;
  audioCachedInput: number;
  textInput: number;
  textCachedInput: number;
  audioOutput: number;
  textOutput: number;
}

export interface ConversationRun {
  tokens: ConversationTokens;
  responses: number;
  /** Responses whose history was cut to fit. */
  truncatedResponses: number;
  /** Responses that were the first on a new connection (their history was primed as text, uncached). */
  primedResponses: number;
  /** Text tokens re-sent by priming over the session (billed as uncached text input once each). */
  primedTextTokens: number;
  peakInputTokens: number;
  /** Each response's input, cached part and output, when asked for (the hand computation). */
  perResponse: Array<{ input: { audio: number; text: number }; cached: { audio: number; text: number }; output: { audio: number; text: number } }>;
}

/** The part of a prefix the cache can serve: nothing below the minimum, then whole increments. */
export function servableTokens(prefix: number, cache?: { minimumTokens: number; incrementTokens: number }): number {
  if (prefix <= 0) return 0;
  if (!cache) return prefix;
  if (prefix < cache.minimumTokens) return 0;
  return cache.minimumTokens + Math.floor((prefix - cache.minimumTokens) / cache.incrementTokens) * cache.incrementTokens;
}

interface Item {
  audio: number;
  text: number;
}

/** The items on one connection, oldest first, with their running size (dropping from the front is O(1)). */
class Items {
  private list: Item[] = [];
  private head = 0;
  audio = 0;
  text = 0;
  get size(): number {
    return this.audio + this.text;
  }
  get empty(): boolean {
    return this.head >= this.list.length;
  }
  push(item: Item): void {
    this.list.push(item);
    this.audio += item.audio;
    this.text += item.text;
  }
  shift(): void {
    const item = this.list[this.head++];
    this.audio -= item.audio;
    this.text -= item.text;
  }
}

/**
 * Runs a conversation. `newConnectionAt` lists the responses (0-based) that are the first on a new
 * upstream connection after the first one (rotations and failovers).
 */
export function runConversation(turns: ConversationTurn[], rules: ConversationRules, newConnectionAt: Iterable<number> = [], keepPerResponse = false): ConversationRun {
  const fresh = new Set(newConnectionAt);
  const t: ConversationTokens = { audioInput: 0, audioCachedInput: 0, textInput: 0, textCachedInput: 0, audioOutput: 0, textOutput: 0 };
  const run: ConversationRun = { tokens: t, responses: turns.length, truncatedResponses: 0, primedResponses: 0, primedTextTokens: 0, peakInputTokens: 0, perResponse: [] };
  const instructions = rules.instructionsTokens;
  const room = Math.max(0, rules.truncationTokens - instructions);
  /** Items on the current connection, oldest first (primed text, then audio turns). */
  let items = new Items();
  let previous: Item | undefined;
  for (let k = 0; k < turns.length; k++) {
    const turn = turns[k];
    if (fresh.has(k) && k > 0) {
      // Priming: every earlier turn as text, the newest within the proxy's bound.
      let kept = 0;
      let from = k;
      while (from > 0) {
        const text = turns[from - 1].userTranscript + turns[from - 1].replyText;
        if (kept + text > rules.primedTextLimitTokens) break;
        kept += text;
        from--;
      }
      items = new Items();
      for (let j = from; j < k; j++) {
        const text = turns[j].userTranscript + turns[j].replyText;
        if (text > 0) items.push({ audio: 0, text });
      }
      previous = undefined;
      run.primedResponses++;
      run.primedTextTokens += kept;
    }
    const current: Item = { audio: turn.userAudio, text: 0 };
    let truncated = false;
    if (items.size + current.audio > room) {
      const target = rules.truncation.type === "auto" ? room : rules.truncation.retentionRatio * room;
      while (!items.empty && items.size + current.audio > target) items.shift();
      truncated = true;
      run.truncatedResponses++;
    }
    const input = { audio: items.audio + current.audio, text: instructions + items.text };
    run.peakInputTokens = Math.max(run.peakInputTokens, input.audio + input.text);
    // The reusable prefix: the previous input on this connection, unless history was just cut (then
    // only the instructions still match).
    const prefix = !previous ? { audio: 0, text: 0 } : truncated ? { audio: 0, text: instructions } : previous;
    const servable = servableTokens(prefix.audio + prefix.text, rules.cache);
    // The prefix opens with text (instructions, primed transcripts) and ends with the previous
    // utterance (audio): what the cache's steps leave out is audio.
    const cached = { text: rules.cacheHitRate * Math.min(prefix.text, servable), audio: rules.cacheHitRate * Math.max(0, servable - prefix.text) };
    t.audioCachedInput += cached.audio;
    t.textCachedInput += cached.text;
    t.audioInput += input.audio - cached.audio;
    t.textInput += input.text - cached.text;
    t.audioOutput += turn.replyAudio;
    t.textOutput += turn.replyText;
    if (keepPerResponse) run.perResponse.push({ input, cached, output: { audio: turn.replyAudio, text: turn.replyText } });
    previous = input;
    items.push(current);
    items.push({ audio: turn.replyAudio, text: turn.replyText });
  }
  return run;
}
