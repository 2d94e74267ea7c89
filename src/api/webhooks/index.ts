// /api/v1/webhooks: the caller's webhook endpoints (Standard Webhooks), their deliveries
// and attempts, redeliveries and secret rotation. The webhook service (src/core/webhooks)
// does the work, SSRF checks included; this controller maps HTTP to it.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
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
import type { WebhookService } from "../../core/webhooks/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";
import { parseQuery, queryParameters } from "../query.ts";

const urlRules =
  "The url must be https (plain http only for the servers' WEBHOOK_ALLOWED_HOSTS), at most 2,000 characters, without credentials, and its host must not resolve to a loopback, private, link-local, carrier-grade NAT, unique-local, multicast or cloud metadata address: 422 with the field otherwise. It is checked again before every delivery.";
const notTheCallers = "No webhook endpoint of the caller's with this id";

export function webhooksModule(deps: { service: WebhookService; verifier: JwtVerifier }) {
  const webhooks = deps.service;
  return new Elysia({ prefix: "/api/v1/webhooks", tags: ["Webhooks"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/event-types",
      () => webhooks.eventTypes(),
      documented({ response: { 200: EventTypesResponse }, detail: { summary: "The event types an endpoint can subscribe to" } }),
    )
    .post(
      "/",
      async ({ caller, body, set }) => {
        const created = await webhooks.create(caller, body);
        set.status = 201;
        return created;
      },
      documented(
        {
          auth: true,
          ...jsonBody(CreateWebhookBody),
          response: { 201: CreateWebhookResponse },
          detail: {
            summary: "Register a webhook endpoint for chosen event types; the answer holds its signing secret, shown once",
            description:
              `${urlRules} Deliveries follow Standard Webhooks: POST with webhook-id (stable per event and endpoint: dedupe on it), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 with the secret), ` +
              "retried with exponential backoff and jitter for a day; 410 Gone switches the endpoint off, as does a day of failures. At most 10 endpoints per account (409).",
          },
        },
        { 409: "The account already has 10 webhook endpoints" },
      ),
    )
    .get(
      "/",
      ({ caller }) => webhooks.list(caller),
      documented({ auth: true, response: { 200: ListWebhooksResponse }, detail: { summary: "The caller's webhook endpoints (never their secrets)" } }),
    )
    .get(
      "/:id",
      ({ caller, params }) => webhooks.get(caller, params.id),
      documented(
        { auth: true, params: WebhookIdParams, response: { 200: WebhookResponse }, detail: { summary: "One of the caller's webhook endpoints" } },
        { 404: notTheCallers },
      ),
    )
    .patch(
      "/:id",
      ({ caller, params, body }) => webhooks.update(caller, params.id, body),
      documented(
        {
          auth: true,
          params: WebhookIdParams,
          ...jsonBody(UpdateWebhookBody),
          response: { 200: WebhookResponse },
          detail: { summary: "Change an endpoint's url, event types or description, or switch it off and on", description: urlRules },
        },
        { 404: notTheCallers },
      ),
    )
    .delete(
      "/:id",
      ({ caller, params }) => webhooks.remove(caller, params.id),
      documented(
        { auth: true, params: WebhookIdParams, response: { 200: DeleteWebhookResponse }, detail: { summary: "Delete an endpoint with its deliveries" } },
        { 404: notTheCallers },
      ),
    )
    .post(
      "/:id/rotate-secret",
      ({ caller, params }) => webhooks.rotateSecret(caller, params.id),
      documented(
        {
          auth: true,
          params: WebhookIdParams,
          response: { 200: RotateSecretResponse },
          detail: { summary: "Give an endpoint a new signing secret (shown once); for a day deliveries carry signatures of both" },
        },
        { 404: notTheCallers },
      ),
    )
    .get(
      "/:id/deliveries",
      ({ caller, params, query }) => webhooks.deliveries(caller, params.id, parseQuery(ListDeliveriesQuery, query)),
      documented(
        {
          auth: true,
          params: WebhookIdParams,
          response: { 200: ListDeliveriesResponse },
          detail: { parameters: queryParameters(ListDeliveriesQuery), summary: "An endpoint's deliveries, newest first (status filter, keyset pages)" },
        },
        { 404: notTheCallers, 422: "A paging value, the status or the cursor is invalid" },
      ),
    )
    .get(
      "/:id/deliveries/:delivery_id",
      ({ caller, params }) => webhooks.delivery(caller, params.id, params.delivery_id),
      documented(
        {
          auth: true,
          params: DeliveryIdParams,
          response: { 200: DeliveryResponse },
          detail: { summary: "One delivery with every attempt (status, duration, the start of the answer)" },
        },
        { 404: "No such delivery of an endpoint of the caller's" },
      ),
    )
    .post(
      "/:id/deliveries/:delivery_id/redeliver",
      ({ caller, params, set }) => {
        set.status = 202;
        return webhooks.redeliver(caller, params.id, params.delivery_id);
      },
      documented(
        {
          auth: true,
          params: DeliveryIdParams,
          response: { 202: RedeliverResponse },
          detail: { summary: "Deliver again, with the same webhook-id and a new retry window" },
        },
        { 404: "No such delivery of an endpoint of the caller's", 409: "The endpoint is switched off" },
      ),
    );
}
