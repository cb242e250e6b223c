/**
 * What a session must remember to continue on a new upstream session: the last configuration the client
 * sent (merged session.update objects) and the conversation as text items. Audio is never kept here:
 * a user turn is remembered by its transcript (when the session transcribes input audio), a model turn
 * by its transcript or text. Pure: capture from events, bounds, and the events that prime a new
 * upstream session.
 */
import { DialectEvents, RealtimeEvent, RESUME_STATE_DEFAULTS, type Dialect, type ResumeStateLimits } from "../../../contracts";
import { configBytes, configRefusal, itemBytes, itemRefusal, type Refusal } from "./resumeBudget";

export type ConversationItem =
  | { kind: "message"; role: "user" | "assistant" | "system"; text: string }
  | { kind: "function_call"; callId: string; name: string; arguments: string }
  | { kind: "function_call_output"; callId: string; output: string };

/** The per-session resume-state bounds (bytes; contracts/resumeState.ts). */
export type ConversationLimits = Pick<ResumeStateLimits, "itemMaxBytes" | "conversationMaxBytes" | "maxItems" | "configMaxBytes">;

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = RESUME_STATE_DEFAULTS;

/** Upstream event types whose content the conversation keeps. */
export const CAPTURED_UPSTREAM_EVENTS: ReadonlySet<string> = new Set([
  "conversation.item.input_audio_transcription.completed",
  DialectEvents.preview.transcriptDone,
  DialectEvents.ga.transcriptDone,
  "response.text.done",
  "response.output_text.done",
  "response.function_call_arguments.done",
]);

/** Client event types whose content the conversation keeps. */
export const CAPTURED_CLIENT_EVENTS: ReadonlySet<string> = new Set([RealtimeEvent.sessionUpdate, RealtimeEvent.itemCreate]);

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The text of an item's content parts (input_text, text, output_text, transcripts of audio parts). */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (part && typeof part === "object" ? str((part as Json).text) ?? str((part as Json).transcript) ?? "" : ""))
    .filter(Boolean)
    .join(" ");
}

/** The item a client's conversation.item.create adds, if it is one the conversation keeps. */
export function itemFromClient(event: Json): ConversationItem | undefined {
  const item = event.item as Json | undefined;
  if (!item || typeof item !== "object") return undefined;
  if (item.type === "function_call_output") {
    const callId = str(item.call_id);
    return callId ? { kind: "function_call_output", callId, output: str(item.output) ?? "" } : undefined;
  }
  if (item.type === "function_call") {
    const callId = str(item.call_id);
    return callId ? { kind: "function_call", callId, name: str(item.name) ?? "", arguments: str(item.arguments) ?? "" } : undefined;
  }
  const role = item.role;
  if ((item.type === "message" || item.type === undefined) && (role === "user" || role === "assistant" || role === "system")) {
    const text = contentText(item.content);
    return text ? { kind: "message", role, text } : undefined;
  }
  return undefined;
}

/** The item an upstream event completes (a transcript, a text, a function call), if any. */
export function itemFromUpstream(type: string, event: Json): ConversationItem | undefined {
  switch (type) {
    case "conversation.item.input_audio_transcription.completed": {
      const text = str(event.transcript)?.trim();
      return text ? { kind: "message", role: "user", text } : undefined;
    }
    case DialectEvents.preview.transcriptDone:
    case DialectEvents.ga.transcriptDone: {
      const text = str(event.transcript)?.trim();
      return text ? { kind: "message", role: "assistant", text } : undefined;
    }
    case "response.text.done":
    case "response.output_text.done": {
      const text = str(event.text)?.trim();
      return text ? { kind: "message", role: "assistant", text } : undefined;
    }
    case "response.function_call_arguments.done": {
      const callId = str(event.call_id);
      return callId ? { kind: "function_call", callId, name: str(event.name) ?? "", arguments: str(event.arguments) ?? "" } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The conversation of one session, bounded in stored bytes: the oldest items go first, and how many went
 * is counted (a new upstream is told that earlier items are missing).
 */
export class Conversation {
  config: Json | undefined;
  items: ConversationItem[] = [];
  dropped = 0;
  private itemsBytes = 0;

  constructor(private readonly limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS, initial?: { config?: Json; items?: ConversationItem[]; dropped?: number }) {
    this.config = initial?.config;
    this.dropped = initial?.dropped ?? 0;
    for (const item of initial?.items ?? []) this.add(item);
  }

  /** Bytes of the items kept (their stored JSON, UTF-8). */
  get bytes(): number {
    return this.itemsBytes;
  }

  /**
   * Merges a session.update's `session` object. Over the configuration bound nothing changes and the
   * refusal says why (the caller tells the client and does not forward the update, so the upstream and
   * the stored configuration never differ).
   */
  update(session: unknown): { config: Json } | { refusal: Refusal } | undefined {
    if (!session || typeof session !== "object" || Array.isArray(session)) return undefined;
    const merged = { ...(this.config ?? {}), ...(session as Json) };
    const refusal = configRefusal(configBytes(merged), this.limits);
    if (refusal) return { refusal };
    this.config = merged;
    return { config: merged };
  }

  /** Why a client's item would be refused for its size (it is then neither kept nor forwarded). */
  refusal(item: ConversationItem): Refusal | undefined {
    return itemRefusal(itemBytes(item), this.limits);
  }

  /** Adds an item; one over the per-item bound is not kept (counted as dropped) and false is returned. */
  add(item: ConversationItem): boolean {
    const size = itemBytes(item);
    if (size > this.limits.itemMaxBytes || size > this.limits.conversationMaxBytes) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    this.itemsBytes += size;
    while (this.items.length > this.limits.maxItems || this.itemsBytes > this.limits.conversationMaxBytes) {
      this.itemsBytes -= itemBytes(this.items.shift()!);
      this.dropped++;
    }
    return true;
  }

  snapshot(): { config?: Json; items: ConversationItem[]; dropped: number } {
    return { config: this.config, items: [...this.items], dropped: this.dropped };
  }
}

/**
 * The events that give a new upstream session what the old one had: the configuration, a note when
 * earlier items were dropped, then every item as text, in order. Each is acknowledged by the upstream
 * (session.updated, or an item created/added event).
 */
export function primingEvents(state: { config?: Json; items: ConversationItem[]; dropped: number }, dialect: Dialect): string[] {
  const events: string[] = [];
  if (state.config) events.push(JSON.stringify({ type: RealtimeEvent.sessionUpdate, session: state.config }));
  const assistantPart = dialect === "ga" ? "output_text" : "text";
  const create = (item: Json) => events.push(JSON.stringify({ type: RealtimeEvent.itemCreate, item }));
  if (state.dropped > 0) {
    create({ type: "message", role: "system", content: [{ type: "input_text", text: `(The ${state.dropped} earliest items of this conversation are not repeated here.)` }] });
  }
  for (const item of state.items) {
    if (item.kind === "message") {
      create({ type: "message", role: item.role, content: [{ type: item.role === "assistant" ? assistantPart : "input_text", text: item.text }] });
    } else if (item.kind === "function_call") {
      create({ type: "function_call", call_id: item.callId, name: item.name, arguments: item.arguments });
    } else {
      create({ type: "function_call_output", call_id: item.callId, output: item.output });
    }
  }
  return events;
}

/** Upstream events that acknowledge a priming event. */
export const PRIMING_ACKS: ReadonlySet<string> = new Set([RealtimeEvent.sessionUpdated, DialectEvents.preview.itemCreated, DialectEvents.ga.itemCreated]);
