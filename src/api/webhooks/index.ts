// /api/v1/webhooks: the caller's webhook endpoints (Standard Webhooks), their deliveries
// and attempts, redeliveries and secret rotation. The logic is src/core/webhooks; this
// controller only maps HTTP to it.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import type { DestinationPolicy } from "../../core/webhooks/destination.ts";
import {
  CreateWebhookBody,
  CreateWebhookResponse,
  DeleteWebhookResponse,
  DeliveryIdParams,
  DeliveryResponse,
  EventTypesResponse,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  RedeliverResponse,
  RotateSecretResponse,
  UpdateWebhookBody,
  WebhookIdParams,
  WebhookResponse,
} from "../../core/webhooks/model.ts";
import type { SecretKeyring } from "../../core/webhooks/secrets.ts";
import { createWebhookService } from "../../core/webhooks/service.ts";
import type { Sql } from "../../db/client.ts";
import { callerPlugin } from "../plugins/caller.ts";

const bearer = [{ bearer: [] as string[] }];
const urlRules =
  "The url must be https (plain http only for the servers' WEBHOOK_ALLOWED_HOSTS), at most 2,000 characters, without credentials, and its host must not resolve to a loopback, private, link-local, carrier-grade NAT, unique-local, multicast or cloud metadata address: 422 with the field otherwise. It is checked again before every delivery.";

export interface WebhooksModuleDeps {
  sql: Sql;
  verifier: JwtVerifier;
  keyring: SecretKeyring;
  policy: DestinationPolicy;
}

export function webhooksModule(deps: WebhooksModuleDeps) {
  const webhooks = createWebhookService(deps);
  return new Elysia({ prefix: "/api/v1/webhooks", tags: ["Webhooks"] })
    .use(callerPlugin(deps.verifier))
    .get("/event-types", () => webhooks.eventTypes(), {
      response: { 200: EventTypesResponse },
      detail: { summary: "The event types an endpoint can subscribe to" },
    })
    .post(
      "/",
      async ({ caller, body, set }) => {
        const created = await webhooks.create(caller, body);
        set.status = 201;
        return created;
      },
      {
        auth: true,
        body: CreateWebhookBody,
        response: { 201: CreateWebhookResponse },
        detail: {
          summary: "Register a webhook endpoint for chosen event types; the answer holds its signing secret, shown once",
          description:
            `${urlRules} Deliveries follow Standard Webhooks: POST with webhook-id (stable per event and endpoint: dedupe on it), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 with the secret), ` +
            "retried with exponential backoff and jitter for a day; 410 Gone switches the endpoint off, as does a day of failures. At most 10 endpoints per account (409).",
          security: bearer,
        },
      },
    )
    .get("/", ({ caller }) => webhooks.list(caller), {
      auth: true,
      response: { 200: ListWebhooksResponse },
      detail: { summary: "The caller's webhook endpoints (never their secrets)", security: bearer },
    })
    .get("/:id", ({ caller, params }) => webhooks.get(caller, params.id), {
      auth: true,
      params: WebhookIdParams,
      response: { 200: WebhookResponse },
      detail: { summary: "One of the caller's webhook endpoints", security: bearer },
    })
    .patch("/:id", ({ caller, params, body }) => webhooks.update(caller, params.id, body), {
      auth: true,
      params: WebhookIdParams,
      body: UpdateWebhookBody,
      response: { 200: WebhookResponse },
      detail: { summary: "Change an endpoint's url, event types or description, or switch it off and on", description: urlRules, security: bearer },
    })
    .delete("/:id", ({ caller, params }) => webhooks.remove(caller, params.id), {
      auth: true,
      params: WebhookIdParams,
      response: { 200: DeleteWebhookResponse },
      detail: { summary: "Delete an endpoint with its deliveries", security: bearer },
    })
    .post("/:id/rotate-secret", ({ caller, params }) => webhooks.rotateSecret(caller, params.id), {
      auth: true,
      params: WebhookIdParams,
      response: { 200: RotateSecretResponse },
      detail: {
        summary: "Give an endpoint a new signing secret (shown once); for a day deliveries carry signatures of both",
        security: bearer,
      },
    })
    .get("/:id/deliveries", ({ caller, params, query }) => webhooks.deliveries(caller, params.id, query), {
      auth: true,
      params: WebhookIdParams,
      query: ListDeliveriesQuery,
      response: { 200: ListDeliveriesResponse },
      detail: { summary: "An endpoint's deliveries, newest first (status filter, keyset pages)", security: bearer },
    })
    .get("/:id/deliveries/:delivery_id", ({ caller, params }) => webhooks.delivery(caller, params.id, params.delivery_id), {
      auth: true,
      params: DeliveryIdParams,
      response: { 200: DeliveryResponse },
      detail: { summary: "One delivery with every attempt (status, duration, the start of the answer)", security: bearer },
    })
    .post("/:id/deliveries/:delivery_id/redeliver", ({ caller, params, set }) => {
      set.status = 202;
      return webhooks.redeliver(caller, params.id, params.delivery_id);
    }, {
      auth: true,
      params: DeliveryIdParams,
      response: { 202: RedeliverResponse },
      detail: {
        summary: "Deliver again, with the same webhook-id and a new retry window (409 while the endpoint is switched off)",
        security: bearer,
      },
    });
}
