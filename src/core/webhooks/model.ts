// Request and response shapes of /api/v1/webhooks, declared once: they validate the
// requests and document them (OpenAPI at /docs).
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { keysetCursor } from "../keyset.ts";
import { emptyAsAbsent, optionalText, pageLimit, RowIdText } from "../validation.ts";
import { MAX_WEBHOOK_URL_LENGTH } from "./destination.ts";

export const DELIVERY_CURSOR = "webhook-deliveries";
export const deliveryPage = { defaultLimit: 20, maxLimit: 100 } as const;

export const EventType = z.enum(Constants.public.Enums.event_type);
export type EventType = z.infer<typeof EventType>;
export const DeliveryStatus = z.enum(Constants.public.Enums.webhook_delivery_status);

/** What each event type means, for /docs and the event-types list. */
export const eventTypeDescriptions: Record<EventType, string> = {
  "resume.viewed": "One of your shared resumes was viewed (at most one per resume per hour, with the count).",
  "application.created": "Someone applied to one of your postings (or you applied to one).",
  "application.status_changed": "An application moved along the pipeline (reviewed, shortlisted, accepted, rejected).",
  "application.withdrawn": "An application was withdrawn by its candidate.",
  "job_posting.closed": "A posting was closed (yours, or one you applied to while your application was open).",
  "job_posting.expired": "A posting reached its expiry date (yours, or one you applied to while your application was open).",
};

export const WebhookUrl = z
  .string({ message: "url must be a string" })
  .min(1, "Must not be empty")
  .max(MAX_WEBHOOK_URL_LENGTH, `Must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);

export const EventTypes = z
  .array(EventType, { message: `Must be a list of event types: ${Constants.public.Enums.event_type.join(", ")}` })
  .min(1, "Choose at least one event type")
  .max(50)
  .transform((types) => [...new Set(types)].sort());

const Description = optionalText(500);

export const CreateWebhookBody = z.object({
  url: WebhookUrl,
  event_types: EventTypes,
  description: Description,
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const UpdateWebhookBody = z
  .object({ url: WebhookUrl, event_types: EventTypes, description: Description, is_active: z.boolean() })
  .partial()
  .refine((body) => Object.values(body).some((value) => value !== undefined), "Nothing to update: send at least one field");
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

export const WebhookIdParams = z.object({ id: RowIdText });
export const DeliveryIdParams = z.object({ id: RowIdText, delivery_id: RowIdText });

export const ListDeliveriesQuery = z.object({
  status: emptyAsAbsent(DeliveryStatus),
  limit: pageLimit(deliveryPage.maxLimit),
  cursor: keysetCursor(DELIVERY_CURSOR),
});
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>;

export const Webhook = z.object({
  id: z.number(),
  url: z.string(),
  description: z.string().nullable(),
  event_types: z.array(EventType),
  /** False: nothing is delivered. disabled_reason says why when the server switched it off. */
  is_active: z.boolean(),
  disabled_reason: z.enum(["gone", "failing"]).nullable(),
  disabled_at: z.string().nullable(),
  last_success_at: z.string().nullable(),
  /** While the secret is rotated: until when the previous secret still signs beside the new one. */
  previous_secret_expires_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookResponse = z.object({ success: z.literal(true), webhook: Webhook });
export const CreateWebhookResponse = WebhookResponse.extend({
  /** The signing secret (Standard Webhooks, whsec_...). Shown once: it cannot be read again. */
  secret: z.string(),
});
export const ListWebhooksResponse = z.object({ success: z.literal(true), webhooks: z.array(Webhook) });
export const DeleteWebhookResponse = z.object({ success: z.literal(true), endpoint_id: z.number(), message: z.string() });
export const RotateSecretResponse = z.object({
  success: z.literal(true),
  endpoint_id: z.number(),
  /** The new signing secret, shown once. */
  secret: z.string(),
  /** Until then deliveries carry signatures of both secrets. */
  previous_secret_expires_at: z.string(),
});
export const EventTypesResponse = z.object({
  success: z.literal(true),
  event_types: z.array(z.object({ type: EventType, description: z.string() })),
});

export const Delivery = z.object({
  id: z.number(),
  /** The webhook-id header: the same for every attempt and redelivery. */
  webhook_id: z.string(),
  event_type: EventType,
  status: DeliveryStatus,
  attempt_count: z.number(),
  /** When the next attempt is due (pending only). */
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  /** The body delivered: {type, timestamp, data}. */
  payload: z.record(z.string(), z.unknown()),
});
export type Delivery = z.infer<typeof Delivery>;

export const Attempt = z.object({
  attempt_number: z.number(),
  attempted_at: z.string(),
  duration_ms: z.number(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
  /** The start of the answer, at most 2,000 characters. */
  response_body: z.string().nullable(),
});

export const ListDeliveriesResponse = z.object({
  success: z.literal(true),
  endpoint_id: z.number(),
  deliveries: z.array(Delivery),
  next_cursor: z.string().nullable(),
});
export const DeliveryResponse = z.object({ success: z.literal(true), delivery: Delivery.extend({ attempts: z.array(Attempt) }) });
export const RedeliverResponse = z.object({
  success: z.literal(true),
  delivery_id: z.number(),
  status: DeliveryStatus,
  next_attempt_at: z.string().nullable(),
  message: z.string(),
});
