// The owner's webhooks: register (the URL checked against the SSRF rules, the secret
// made here, shown once, stored sealed), list, read, change, re-point, switch off and
// on, delete, rotate the secret; list deliveries and their attempts; ask for a
// redelivery. Every statement runs as the caller (asCaller), so the same policies hold
// as for supabase-js; the writes supabase-js may not make (URL, secret) go through
// private functions only this server calls, still as the caller.
import { invalidRequest, notFound } from "../errors.ts";
import { cursorTimestampFormat, keysetPage } from "../keyset.ts";
import { asCaller, type SignedInCaller, type Sql, type Transaction } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import { checkDestination, type DestinationPolicy } from "./destination.ts";
import {
  DELIVERY_CURSOR,
  deliveryPage,
  eventTypeDescriptions,
  type CreateWebhookBody,
  type Delivery,
  type EventType,
  type ListDeliveriesQuery,
  type UpdateWebhookBody,
  type Webhook,
} from "./model.ts";
import { newWebhookSecret, sealSecret, type SecretKeyring } from "./secrets.ts";

export interface WebhookServiceDeps {
  sql: Sql;
  keyring: SecretKeyring;
  /** The SSRF rules: the allow-list and the resolver. */
  policy: DestinationPolicy;
}

/** How long the previous secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_SECONDS = 24 * 60 * 60;

type EndpointRow = Pick<
  Tables<"webhook_endpoints">,
  "id" | "url" | "description" | "event_types" | "is_active" | "disabled_reason" | "disabled_at" | "last_success_at" | "previous_secret_expires_at" | "created_at" | "updated_at"
>;
type DeliveryRow = Pick<
  Tables<"webhook_deliveries">,
  "id" | "webhook_id" | "event_type" | "status" | "attempt_count" | "next_attempt_at" | "last_attempt_at" | "last_status_code" | "last_error" | "delivered_at" | "created_at" | "payload"
> & { cursor_at: string };
type AttemptRow = Pick<Tables<"webhook_delivery_attempts">, "attempt_number" | "attempted_at" | "duration_ms" | "status_code" | "error" | "response_body">;

const endpointColumns = (tx: Transaction) => tx`
  e.id, e.url, e.description, e.event_types, e.is_active, e.disabled_reason, e.disabled_at, e.last_success_at,
  case when e.previous_secret_expires_at > now() then e.previous_secret_expires_at end as previous_secret_expires_at,
  e.created_at, e.updated_at`;

const deliveryColumns = (tx: Transaction) => tx`
  d.id, d.webhook_id, d.event_type, d.status, d.attempt_count, d.next_attempt_at, d.last_attempt_at, d.last_status_code,
  d.last_error, d.delivered_at, d.created_at, d.payload,
  to_char(d.created_at at time zone 'UTC', ${cursorTimestampFormat}) as cursor_at`;

function webhookOf(row: EndpointRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    is_active: row.is_active,
    disabled_reason: row.disabled_reason as Webhook["disabled_reason"],
    disabled_at: row.disabled_at,
    last_success_at: row.last_success_at,
    previous_secret_expires_at: row.previous_secret_expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function deliveryOf(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: row.status === "pending" ? row.next_attempt_at : null,
    last_attempt_at: row.last_attempt_at,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    delivered_at: row.delivered_at,
    created_at: row.created_at,
    payload: row.payload as Record<string, unknown>,
  };
}

export const webhookNotFound = () => notFound("Webhook endpoint not found");
const deliveryNotFound = () => notFound("Delivery not found");

/** 422 on the url field, in the facade's validation shape. */
const badUrl = (reason: string) => invalidRequest([{ loc: ["body", "url"], msg: reason }]);

export function createWebhookService(deps: WebhookServiceDeps) {
  const { sql, keyring, policy } = deps;

  /** The URL as stored (normalised), once it passed the rules; 422 otherwise. */
  async function checkedUrl(url: string): Promise<string> {
    const destination = await checkDestination(url, policy);
    if (!destination.ok) throw badUrl(destination.reason);
    return destination.url.href;
  }

  async function endpointOf(tx: Transaction, id: number): Promise<EndpointRow> {
    const [row] = await tx<EndpointRow[]>`select ${endpointColumns(tx)} from public.webhook_endpoints e where e.id = ${id}`;
    if (!row) throw webhookNotFound();
    return row;
  }

  return {
    eventTypes() {
      return {
        success: true as const,
        event_types: (Object.entries(eventTypeDescriptions) as [EventType, string][]).map(([type, description]) => ({ type, description })),
      };
    },

    async create(caller: SignedInCaller, body: CreateWebhookBody) {
      const url = await checkedUrl(body.url);
      const secret = newWebhookSecret();
      const sealed = await sealSecret(keyring, caller.claims.sub, secret);
      const row = await asCaller(sql, caller, async (tx) => {
        const [created] = await tx<{ id: number }[]>`
          select private.create_webhook_endpoint(
            ${url}, ${body.event_types}::public.event_type[], ${body.description ?? null}, ${sealed.ciphertext}, ${sealed.keyId}) as id`;
        return endpointOf(tx, created!.id);
      });
      return { success: true as const, webhook: webhookOf(row), secret };
    },

    async list(caller: SignedInCaller) {
      const rows = await asCaller(sql, caller, (tx) => tx<EndpointRow[]>`
        select ${endpointColumns(tx)} from public.webhook_endpoints e
         where e.user_id = (select auth.uid())
         order by e.created_at desc, e.id desc`);
      return { success: true as const, webhooks: rows.map(webhookOf) };
    },

    async get(caller: SignedInCaller, id: number) {
      const row = await asCaller(sql, caller, (tx) => endpointOf(tx, id));
      return { success: true as const, webhook: webhookOf(row) };
    },

    async update(caller: SignedInCaller, id: number, body: UpdateWebhookBody) {
      const url = body.url === undefined ? undefined : await checkedUrl(body.url);
      const columns: Record<string, unknown> = {};
      if (body.event_types !== undefined) columns.event_types = body.event_types;
      if (body.description !== undefined) columns.description = body.description;
      if (body.is_active !== undefined) columns.is_active = body.is_active;
      const row = await asCaller(sql, caller, async (tx) => {
        await endpointOf(tx, id);
        if (url !== undefined) await tx`select private.set_webhook_endpoint_url(${id}, ${url})`;
        if (Object.keys(columns).length > 0) {
          const types = columns.event_types as string[] | undefined;
          await tx`
            update public.webhook_endpoints e set
              event_types = ${types === undefined ? tx`e.event_types` : tx`${types}::public.event_type[]`},
              description = ${"description" in columns ? tx`${columns.description as string | null}` : tx`e.description`},
              is_active = ${"is_active" in columns ? tx`${columns.is_active as boolean}` : tx`e.is_active`}
             where e.id = ${id}`;
        }
        return endpointOf(tx, id);
      });
      return { success: true as const, webhook: webhookOf(row) };
    },

    async remove(caller: SignedInCaller, id: number) {
      const [row] = await asCaller(sql, caller, (tx) => tx`delete from public.webhook_endpoints where id = ${id} returning id`);
      if (!row) throw webhookNotFound();
      return { success: true as const, endpoint_id: id, message: "Webhook endpoint deleted" };
    },

    async rotateSecret(caller: SignedInCaller, id: number) {
      const secret = newWebhookSecret();
      const sealed = await sealSecret(keyring, caller.claims.sub, secret);
      const [row] = await asCaller(sql, caller, (tx) => tx<{ until: string | null }[]>`
        select private.rotate_webhook_endpoint_secret(${id}, ${sealed.ciphertext}, ${sealed.keyId}, ${PREVIOUS_SECRET_SECONDS}) as until`);
      if (!row?.until) throw webhookNotFound();
      return { success: true as const, endpoint_id: id, secret, previous_secret_expires_at: row.until };
    },

    async deliveries(caller: SignedInCaller, endpointId: number, query: ListDeliveriesQuery) {
      const limit = query.limit ?? deliveryPage.defaultLimit;
      const after = query.cursor;
      const rows = await asCaller(sql, caller, async (tx) => {
        await endpointOf(tx, endpointId);
        return tx<DeliveryRow[]>`
          select ${deliveryColumns(tx)} from public.webhook_deliveries d
           where d.endpoint_id = ${endpointId}
             and (${query.status ?? null}::public.webhook_delivery_status is null or d.status = ${query.status ?? null}::public.webhook_delivery_status)
             and (${after?.createdAt ?? null}::text is null or (d.created_at, d.id) < (${after?.createdAt ?? null}::text::timestamptz, ${after?.id ?? 0}))
           order by d.created_at desc, d.id desc
           limit ${limit + 1}`;
      });
      const { shown, nextCursor } = keysetPage(DELIVERY_CURSOR, rows, limit);
      return {
        success: true as const,
        endpoint_id: endpointId,
        deliveries: shown.map(deliveryOf),
        next_cursor: nextCursor,
      };
    },

    async delivery(caller: SignedInCaller, endpointId: number, deliveryId: number) {
      const found = await asCaller(sql, caller, async (tx) => {
        const [row] = await tx<DeliveryRow[]>`
          select ${deliveryColumns(tx)} from public.webhook_deliveries d where d.id = ${deliveryId} and d.endpoint_id = ${endpointId}`;
        if (!row) return undefined;
        const attempts = await tx<AttemptRow[]>`
          select a.attempt_number, a.attempted_at, a.duration_ms, a.status_code, a.error, a.response_body
            from public.webhook_delivery_attempts a where a.delivery_id = ${deliveryId}
           order by a.attempted_at, a.id`;
        return { row, attempts };
      });
      if (!found) throw deliveryNotFound();
      return { success: true as const, delivery: { ...deliveryOf(found.row), attempts: found.attempts.map((attempt) => ({ ...attempt })) } };
    },

    async redeliver(caller: SignedInCaller, endpointId: number, deliveryId: number) {
      const row = await asCaller(sql, caller, async (tx) => {
        const [mine] = await tx`select d.id from public.webhook_deliveries d where d.id = ${deliveryId} and d.endpoint_id = ${endpointId}`;
        if (!mine) return undefined;
        const [queued] = await tx<{ delivery_id: number; status: Delivery["status"]; next_attempt_at: string }[]>`
          select * from public.redeliver_webhook(${deliveryId})`;
        return queued;
      });
      if (!row) throw deliveryNotFound();
      return { success: true as const, delivery_id: row.delivery_id, status: row.status, next_attempt_at: row.next_attempt_at, message: "Redelivery queued" };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
