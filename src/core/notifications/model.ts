// Request and response shapes of /api/v1/notifications, declared once: they validate
// the requests and document them (OpenAPI at /docs).
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { keysetCursor } from "../keyset.ts";
import { emptyAsAbsent, pageLimit, RowIdText } from "../validation.ts";

export const NOTIFICATION_CURSOR = "notifications";
export const notificationPage = { defaultLimit: 20, maxLimit: 100, unreadCountCap: 1000 } as const;

export const NotificationIdParams = z.object({ id: RowIdText });

export const ListNotificationsQuery = z.object({
  limit: pageLimit(notificationPage.maxLimit),
  /** The next_cursor of the previous page. */
  cursor: keysetCursor(NOTIFICATION_CURSOR),
  /** true: unread ones only. */
  unread_only: emptyAsAbsent(z.enum(["true", "false"], { message: "unread_only is true or false" }).transform((value) => value === "true")),
});
export type ListNotificationsQuery = z.infer<typeof ListNotificationsQuery>;

export const Notification = z.object({
  id: z.number(),
  type: z.enum(Constants.public.Enums.notification_type),
  title: z.string(),
  body: z.string(),
  /** Ids and values of the event (resume_id, application_id, job_id, view_count...). */
  data: z.record(z.string(), z.unknown()),
  read_at: z.string().nullable(),
  created_at: z.string(),
});
export type Notification = z.infer<typeof Notification>;

export const ListNotificationsResponse = z.object({
  success: z.literal(true),
  notifications: z.array(Notification),
  /** Unread notifications, counted exactly up to 1,000 (then 1,000 and unread_count_capped). */
  unread_count: z.number(),
  unread_count_capped: z.boolean(),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});

export const NotificationResponse = z.object({ success: z.literal(true), notification: Notification });

export const ReadAllResponse = z.object({
  success: z.literal(true),
  /** How many were marked read by this call. */
  marked_read: z.number(),
  unread_count: z.number(),
});
