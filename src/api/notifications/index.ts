// /api/v1/notifications: the caller's in-app notifications (newest first, keyset pages,
// unread count), marking one or all read. The notification service
// (src/core/notifications) does the work; this controller maps HTTP to it. Frontends on
// supabase-js read the same rows from public.notifications under RLS, live through
// Realtime.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import {
  ListNotificationsQuery,
  ListNotificationsResponse,
  NotificationIdParams,
  NotificationResponse,
  ReadAllResponse,
} from "../../core/notifications/model.ts";
import type { NotificationService } from "../../core/notifications/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { parseQuery, queryParameters } from "../query.ts";

export function notificationsModule(deps: { service: NotificationService; verifier: JwtVerifier }) {
  const notifications = deps.service;
  return new Elysia({ prefix: "/api/v1/notifications", tags: ["Notifications"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/",
      ({ caller, query }) => notifications.list(caller, parseQuery(ListNotificationsQuery, query)),
      documented(
        {
          auth: true,
          response: { 200: ListNotificationsResponse },
          detail: {
            parameters: queryParameters(ListNotificationsQuery),
            summary: "The caller's notifications, newest first, with the unread count",
            description: "Page with limit (default 20, at most 100) and the previous page's next_cursor as cursor; unread_only=true for unread ones.",
          },
        },
        { 422: "A paging value or the cursor is invalid" },
      ),
    )
    .post(
      "/read-all",
      ({ caller }) => notifications.markAllRead(caller),
      documented({ auth: true, response: { 200: ReadAllResponse }, detail: { summary: "Mark every notification of the caller read" } }),
    )
    .post(
      "/:id/read",
      ({ caller, params }) => notifications.markRead(caller, params.id),
      documented(
        {
          auth: true,
          params: NotificationIdParams,
          response: { 200: NotificationResponse },
          detail: { summary: "Mark one of the caller's notifications read" },
        },
        { 404: "No notification of the caller's with this id" },
      ),
    );
}
