// One delivery attempt: the SSRF rules checked again right before the request, the
// Standard Webhooks headers, a POST to the very address that was checked, no redirects,
// a deadline over the whole attempt (DNS included), and what came back, classified.
//
//   2xx              succeeded
//   410 Gone         gone: the endpoint is switched off at once
//   anything else    retry (3xx, 4xx, 5xx, timeout, a connection closed or refused, a
//                    TLS failure, an address the rules refuse): with backoff, honouring
//                    Retry-After
//
// The connection goes to the address checkDestination approved: the URL's host is
// replaced by that address, and the name is kept for the Host header and for TLS (SNI
// and the certificate check), so a name that resolves elsewhere a moment later (DNS
// rebinding) changes nothing. Allow-listed hosts are connected to by name.
//
// Bun's fetch: `tls.serverName` names the host the certificate must be for.
import { checkDestination, type DestinationPolicy } from "../core/webhooks/destination.ts";
import { parseRetryAfter } from "../core/webhooks/retry.ts";
import { signWebhook } from "../core/webhooks/signing.ts";

export interface DeliveryRequest {
  url: string;
  webhookId: string;
  payload: unknown;
  /** The endpoint's secrets (whsec_...): the current one, and the previous one while it is rotated. */
  secrets: string[];
}

export interface AttemptResult {
  outcome: "succeeded" | "retry" | "gone";
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the answer's body, at most 2,000 characters. */
  responseBody: string | null;
  retryAfterSeconds?: number;
}

export interface DeliveryOptions {
  policy: DestinationPolicy;
  timeoutMs: number;
  /** Aborts the attempt (the worker stopping). */
  signal?: AbortSignal;
  userAgent?: string;
}

const KEEP_BODY_CHARS = 2000;
const READ_BODY_BYTES = 16 * 1024;

export async function attemptDelivery(request: DeliveryRequest, options: DeliveryOptions): Promise<AttemptResult> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): AttemptResult => ({ outcome: "retry", statusCode: null, error, durationMs: elapsed(), responseBody: null });

  try {
    const destination = await abortable(checkDestination(request.url, options.policy), signal);
    if (!destination.ok) return failed(`refused: ${destination.reason}`);

    const body = JSON.stringify(request.payload);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": options.userAgent ?? "PreviewCV-Webhooks/1.0",
      ...signWebhook(request.secrets, request.webhookId, new Date(), body),
    };
    let target = destination.url;
    let tls: { serverName: string } | undefined;
    if (destination.address) {
      target = new URL(destination.url);
      target.hostname = destination.address.includes(":") ? `[${destination.address}]` : destination.address;
      headers.host = destination.url.host;
      if (destination.url.protocol === "https:") tls = { serverName: destination.url.hostname };
    }

    const response = await fetch(target, { method: "POST", headers, body, redirect: "manual", signal, ...(tls ? { tls } : {}) });
    const responseBody = await readSome(response, signal);
    const statusCode = response.status;
    const result: AttemptResult = {
      outcome: statusCode >= 200 && statusCode < 300 ? "succeeded" : statusCode === 410 ? "gone" : "retry",
      statusCode,
      error: null,
      durationMs: elapsed(),
      responseBody,
    };
    if (statusCode >= 300 && statusCode < 400) result.error = "redirects are not followed: update the endpoint's URL";
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
    if (retryAfter !== undefined) result.retryAfterSeconds = retryAfter;
    return result;
  } catch (error) {
    if (deadline.aborted) return failed(`timeout after ${options.timeoutMs} ms`);
    if (options.signal?.aborted) return failed("the worker stopped during the attempt");
    return failed(describeNetworkError(error));
  }
}

/** At most READ_BODY_BYTES of the body, decoded, cut to KEEP_BODY_CHARS; the rest is not read. */
async function readSome(response: Response, signal: AbortSignal): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < READ_BODY_BYTES) {
      const { done, value } = await abortable(reader.read(), signal);
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  // NUL cannot be stored in a Postgres text column: a receiver answering binary must
  // not make its attempt unrecordable (and so redelivered for ever).
  const text = new TextDecoder().decode(bytes.subarray(0, READ_BODY_BYTES)).replace(/\u0000/g, "");
  return text === "" ? null : text.slice(0, KEEP_BODY_CHARS);
}

/** A short, URL-free description of why the request got no answer (the URL may hold secrets). */
function describeNetworkError(error: unknown): string {
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ConnectionClosed" || code === "ECONNRESET" || /closed unexpectedly|socket hang up|reset/i.test(message)) return "connection closed before an answer";
  if (code === "ConnectionRefused" || code === "ECONNREFUSED") return "connection refused";
  if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code) || /certificate|TLS|SSL/i.test(message)) return `TLS failed${code ? ` (${code})` : ""}`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  return `no answer${code ? ` (${code})` : ""}`;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
