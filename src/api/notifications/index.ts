// /api/v1/notifications: the caller's in-app notifications (newest first, keyset pages,
// unread count), marking one or all read. The logic is src/core/notifications; this
// controller only maps HTTP to it. Frontends on supabase-js read the same rows from
// public.notifications under RLS, live through Realtime.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import {
  ListNotificationsQuery,
  ListNotificationsResponse,
  NotificationIdParams,
  NotificationResponse,
  ReadAllResponse,
} from "../../core/notifications/model.ts";
import { createNotificationService } from "../../core/notifications/service.ts";
import type { Sql } from "../../db/client.ts";
import { callerPlugin } from "../plugins/caller.ts";

const bearer = [{ bearer: [] as string[] }];

export function notificationsModule(deps: { sql: Sql; verifier: JwtVerifier }) {
  const notifications = createNotificationService({ sql: deps.sql });
  return new Elysia({ prefix: "/api/v1/notifications", tags: ["Notifications"] })
    .use(callerPlugin(deps.verifier))
    .get("/", ({ caller, query }) => notifications.list(caller, query), {
      auth: true,
      query: ListNotificationsQuery,
      response: { 200: ListNotificationsResponse },
      detail: {
        summary: "The caller's notifications, newest first, with the unread count",
        description: "Page with limit (default 20, at most 100) and the previous page's next_cursor as cursor; unread_only=true for unread ones.",
        security: bearer,
      },
    })
    .post("/read-all", ({ caller }) => notifications.markAllRead(caller), {
      auth: true,
      response: { 200: ReadAllResponse },
      detail: { summary: "Mark every notification of the caller read", security: bearer },
    })
    .post("/:id/read", ({ caller, params }) => notifications.markRead(caller, params.id), {
      auth: true,
      params: NotificationIdParams,
      response: { 200: NotificationResponse },
      detail: { summary: "Mark one of the caller's notifications read (404 for anyone else's)", security: bearer },
    });
}
