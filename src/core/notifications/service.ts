// The caller's notifications: list (newest first, keyset pages, with the unread count),
// mark one read, mark all read. Every statement runs as the caller (asCaller), under the
// same policies as supabase-js: another user's notification is simply not there.
import { notFound } from "../errors.ts";
import { cursorTimestampFormat, keysetPage } from "../keyset.ts";
import { asCaller, type SignedInCaller, type Sql, type Transaction } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import { NOTIFICATION_CURSOR, notificationPage, type ListNotificationsQuery, type Notification } from "./model.ts";

type Row = Pick<Tables<"notifications">, "id" | "type" | "title" | "body" | "data" | "read_at" | "created_at"> & { cursor_at: string };

const columns = (tx: Transaction) => tx`
  n.id, n.type, n.title, n.body, n.data, n.read_at, n.created_at,
  to_char(n.created_at at time zone 'UTC', ${cursorTimestampFormat}) as cursor_at`;

function notificationOf(row: Row): Notification {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: (row.data ?? {}) as Record<string, unknown>,
    read_at: row.read_at,
    created_at: row.created_at,
  };
}

/** Unread rows of the caller, exact up to the cap (the partial unread index answers it). */
function unreadCount(tx: Transaction) {
  return tx<{ unread: number }[]>`
    select count(*)::int as unread from (
      select 1 from public.notifications n
       where n.user_id = (select auth.uid()) and n.read_at is null
       limit ${notificationPage.unreadCountCap + 1}
    ) capped`;
}

export function createNotificationService(deps: { sql: Sql }) {
  const { sql } = deps;
  return {
    async list(caller: SignedInCaller, query: ListNotificationsQuery) {
      const limit = query.limit ?? notificationPage.defaultLimit;
      const after = query.cursor;
      const [rows, [count]] = await asCaller(sql, caller, (tx) =>
        Promise.all([
          tx<Row[]>`
            select ${columns(tx)} from public.notifications n
             where n.user_id = (select auth.uid())
               and (${query.unread_only ?? false} = false or n.read_at is null)
               and (${after?.createdAt ?? null}::text is null or (n.created_at, n.id) < (${after?.createdAt ?? null}::text::timestamptz, ${after?.id ?? 0}))
             order by n.created_at desc, n.id desc
             limit ${limit + 1}`,
          unreadCount(tx),
        ]),
      );
      const { shown, nextCursor } = keysetPage(NOTIFICATION_CURSOR, rows, limit);
      const unread = count!.unread;
      return {
        success: true as const,
        notifications: shown.map(notificationOf),
        unread_count: Math.min(unread, notificationPage.unreadCountCap),
        unread_count_capped: unread > notificationPage.unreadCountCap,
        next_cursor: nextCursor,
      };
    },

    async markRead(caller: SignedInCaller, id: number) {
      // read_at is stamped by the database (now(), or when it was first read).
      const [row] = await asCaller(sql, caller, (tx) => tx<Row[]>`
        update public.notifications n set read_at = now() where n.id = ${id} returning ${columns(tx)}`);
      if (!row) throw notFound("Notification not found");
      return { success: true as const, notification: notificationOf(row) };
    },

    async markAllRead(caller: SignedInCaller) {
      const [[marked], [count]] = await asCaller(sql, caller, async (tx) => [
        await tx<{ marked: number }[]>`
          with marked as (
            update public.notifications n set read_at = now() where n.user_id = (select auth.uid()) and n.read_at is null returning 1
          ) select count(*)::int as marked from marked`,
        await unreadCount(tx),
      ] as const);
      return { success: true as const, marked_read: marked!.marked, unread_count: Math.min(count!.unread, notificationPage.unreadCountCap) };
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
