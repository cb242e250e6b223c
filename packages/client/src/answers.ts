/**
 * The answer the client is owed: from the `response.create` it sent (or the `response.created` of an
 * answer server VAD started by itself) until `response.done`. When the proxy reports that a failover
 * cut it (`proxy.resumed` with `response_cut`), or the connection was lost under it, the client asks
 * again, once, with the same request. Pure: fed the events both ways, it says what to send.
 */
import { ProxyEvent, RealtimeEvent } from "../../../contracts/protocol";

const PLAIN_REQUEST = JSON.stringify({ type: RealtimeEvent.responseCreate });

export class AnswerTracker {
  /** The request of the answer owed (its JSON text), or undefined when none is owed. */
  private owed?: string;
  private responseId?: string;
  retried = 0;

  /** A client event written to the socket. */
  sent(type: string, text: string): void {
    if (type === RealtimeEvent.responseCreate) this.owed = text;
  }

  /**
   * A server event. Returns the request to send again when this event says the answer owed was cut
   * (on the same connection: the proxy replaced the upstream under it).
   */
  received(event: Record<string, unknown> & { type: string }): string | undefined {
    switch (event.type) {
      case RealtimeEvent.responseCreated: {
        this.owed ??= PLAIN_REQUEST; // server VAD answers without a request
        const response = event.response as Record<string, unknown> | undefined;
        this.responseId = typeof response?.id === "string" ? response.id : undefined;
        return undefined;
      }
      case RealtimeEvent.responseDone:
        this.owed = undefined;
        this.responseId = undefined;
        return undefined;
      case ProxyEvent.resumed:
        return event.response_cut === true ? this.again() : undefined;
      default:
        return undefined;
    }
  }

  /** The connection was lost with an answer owed: on the resumed session it is asked for again. */
  afterReconnect(resumed: boolean): string | undefined {
    if (!resumed) {
      this.owed = undefined; // a new conversation: the question is gone with the old one
      return undefined;
    }
    return this.again();
  }

  /** The request never reached the server (proxy.unforwarded): it is sent again as it is, not asked for again. */
  withdrawn(): void {
    this.owed = undefined;
    this.responseId = undefined;
  }

  get cutResponseId(): string | undefined {
    return this.responseId;
  }

  private again(): string | undefined {
    const request = this.owed;
    if (request === undefined) return undefined;
    this.responseId = undefined;
    this.retried++;
    return request;
  }
}
