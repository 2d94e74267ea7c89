// Standard Webhooks signatures, made by its own library (standardwebhooks), never by
// hand: v1,<base64 HMAC-SHA256 of "{webhook-id}.{timestamp}.{body}">. While an
// endpoint's secret is being rotated, the message is signed with both secrets,
// space-separated, as the specification asks for zero-downtime rotation.
import { Webhook } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signWebhook(secrets: readonly string[], webhookId: string, at: Date, body: string): SignedHeaders {
  if (secrets.length === 0) throw new Error("signWebhook needs at least one secret");
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body)).join(" "),
  };
}
