// Keyset page cursors over (created_at, id), newest first: opaque to clients (base64url),
// exact to the microsecond (a JS Date would round it away and skip or repeat rows at a
// page boundary), and tagged with what they page through, so a cursor of one list is
// refused by another.
import { z } from "zod";
import { emptyAsAbsent } from "./validation.ts";

export interface KeysetCursor {
  /** created_at as UTC ISO 8601 with microseconds: 2026-12-02T10:00:00.123456Z */
  createdAt: string;
  id: number;
}

const microsecondTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** SQL that renders created_at the way a cursor carries it. */
export const cursorTimestampFormat = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

export function encodeKeysetCursor(list: string, cursor: KeysetCursor): string {
  return btoaUrl(`${list}:${cursor.createdAt}:${cursor.id}`);
}

/** The cursor, or undefined when the text is not one this API issued for `list`. */
export function decodeKeysetCursor(list: string, text: string): KeysetCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  let decoded: string;
  try {
    decoded = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined;
  }
  const match = /^([a-z-]+):(.+):([1-9][0-9]{0,15})$/.exec(decoded);
  if (!match || match[1] !== list || !microsecondTimestamp.test(match[2]!) || Number.isNaN(Date.parse(match[2]!))) return undefined;
  const id = Number(match[3]);
  return Number.isSafeInteger(id) ? { createdAt: match[2]!, id } : undefined;
}

/**
 * One page of a keyset list, read with one row more than `limit` (that row only says
 * whether there is a next page): the rows to show and the cursor of the next page, or
 * null on the last one. Each row carries its id and created_at as cursor_at
 * (cursorTimestampFormat).
 */
export function keysetPage<Row extends { id: number; cursor_at: string }>(list: string, rows: readonly Row[], limit: number): { shown: Row[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { shown, nextCursor: rows.length > limit && last ? encodeKeysetCursor(list, { createdAt: last.cursor_at, id: last.id }) : null };
}

function btoaUrl(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `cursor` in a query: the next_cursor of the previous page of `list`, and of no other list. */
export const keysetCursor = (list: string) =>
  emptyAsAbsent(
    z.string().transform((value, context): KeysetCursor => {
      const cursor = decodeKeysetCursor(list, value);
      if (!cursor) {
        context.addIssue({ code: "custom", message: "Not a cursor this API issued" });
        return z.NEVER;
      }
      return cursor;
    }),
  );
