// The keyset cursor of GET /jobs/list: the (created_at, id) of the last posting of a
// page. Opaque to clients (base64url); created_at keeps Postgres' microseconds, which a
// JS Date would round away (two postings a few microseconds apart would then be
// skipped or repeated at a page boundary).
import { RowIdText } from "../validation.ts";

export interface JobCursor {
  /** created_at exactly, as UTC ISO 8601 with microseconds: 2026-11-25T10:00:00.123456Z */
  createdAt: string;
  id: number;
}

const exactTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(cursor: JobCursor): string {
  return Buffer.from(`v1|${cursor.createdAt}|${cursor.id}`, "utf8").toString("base64url");
}

/** The cursor, or undefined when the string is not one this API issued. */
export function decodeCursor(value: string): JobCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  const [version, createdAt, id, ...rest] = Buffer.from(value, "base64url").toString("utf8").split("|");
  if (version !== "v1" || rest.length > 0 || !createdAt || !id) return undefined;
  if (!exactTimestamp.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return undefined;
  const rowId = RowIdText.safeParse(id);
  if (!rowId.success) return undefined;
  return { createdAt, id: rowId.data };
}
