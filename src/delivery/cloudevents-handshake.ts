import type { Clock } from "../core/clock.ts";
import type { EndpointDirectory } from "../core/endpoint-directory.ts";
import type { Endpoint } from "../core/entities.ts";
import type { EndpointRepository } from "../store/store.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";

/**
 * The CloudEvents abuse-protection handshake: an OPTIONS request with WebHook-Request-Origin.
 * Only a WebHook-Allowed-Origin naming our origin (or `*`) counts as consent; the status code
 * does not. Consent is stored with the endpoint (and its cached copy), so it is asked for once.
 */
export class CloudEventsHandshake {
  constructor(
    private readonly sender: HttpSender,
    private readonly stored: EndpointRepository,
    private readonly cached: EndpointDirectory,
    private readonly clock: Clock,
    private readonly origin: string,
  ) {}

  /** Returns null on consent, or the failed result to record as the attempt's. */
  async ask(endpoint: Endpoint): Promise<SendResult | null> {
    const origin = this.origin;
    const response = await this.sender.options(endpoint.url, { "webhook-request-origin": origin });
    const allowed = response.headers["webhook-allowed-origin"];
    const value = Array.isArray(allowed) ? allowed[0] : allowed;
    if (value !== undefined && (value.trim() === "*" || value.trim().toLowerCase() === origin.toLowerCase())) {
      const at = this.clock.now();
      await this.stored.markHandshakeValidated(endpoint.appId, endpoint.id, at);
      this.cached.patch(endpoint.appId, endpoint.id, { handshakeValidatedAt: at });
      return null;
    }
    return {
      ...response,
      errorKind: response.errorKind ?? "handshake_refused",
      body: `CloudEvents validation handshake not granted (WebHook-Allowed-Origin: ${value ?? "absent"}); ${response.body}`,
    };
  }
}
