/**
 * Byte accounting of resume state: what a conversation item or a session configuration costs is the
 * UTF-8 length of its JSON, exactly the string the Redis store keeps (and the in-process store counts).
 * Every field counts (ids, names, escapes), so no part of a client's input escapes the bound. Pure.
 */
import { Env, ResumeLimitError, type ResumeStateLimits } from "../../../contracts";
import type { ConversationItem } from "./conversation";

/** The stored form of an item: its JSON, as Redis keeps it in the session's item list. */
export function encodeItem(item: ConversationItem): string {
  return JSON.stringify(item);
}

export function itemBytes(item: ConversationItem): number {
  return Buffer.byteLength(encodeItem(item), "utf8");
}

/** The stored form of a configuration: its JSON, as Redis keeps it in the session's hash. */
export function configBytes(config: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(config), "utf8");
}

/** A client input refused for its size: the realtime error code and a message naming the bound. */
export interface Refusal {
  code: string;
  message: string;
}

export function itemRefusal(bytes: number, limits: Pick<ResumeStateLimits, "itemMaxBytes">): Refusal | undefined {
  if (bytes <= limits.itemMaxBytes) return undefined;
  return {
    code: ResumeLimitError.itemTooLarge,
    message: `conversation.item.create refused: the item is ${bytes} bytes as stored for resume (JSON, UTF-8, ids included), over the ${limits.itemMaxBytes}-byte limit (${Env.resumeItemMaxBytes}); it was not sent to the model`,
  };
}

export function configRefusal(bytes: number, limits: Pick<ResumeStateLimits, "configMaxBytes">): Refusal | undefined {
  if (bytes <= limits.configMaxBytes) return undefined;
  return {
    code: ResumeLimitError.configTooLarge,
    message: `session.update refused: the session configuration would be ${bytes} bytes (JSON, UTF-8), over the ${limits.configMaxBytes}-byte limit (${Env.resumeConfigMaxBytes}); the previous configuration stays in force`,
  };
}
