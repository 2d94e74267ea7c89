// Path and query parameters the notification and webhook lists share, as zod schemas:
// a row id, a page size served at its cap, and a keyset cursor of one list.
import { z } from "zod";
import { decodeKeysetCursor, type KeysetCursor } from "./keyset.ts";

/** A row id in a path: a positive whole number (bigint ids stay far below 2^53). */
export const RowId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, "Must be a positive integer")
  .transform(Number)
  .refine(Number.isSafeInteger, "Must be a positive integer");

/** A query value the client left empty ("?limit=") is no value. */
export const emptyAsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** `limit`: a whole number from 1; above `max` it is served at `max`. */
export const pageLimit = (max: number) =>
  emptyAsAbsent(
    z
      .string()
      .regex(/^[0-9]{1,9}$/, "limit must be a whole number")
      .transform(Number)
      .refine((value) => value >= 1, "limit must be at least 1")
      .transform((value) => Math.min(value, max)),
  );

/** `cursor`: the next_cursor of the previous page of `list`, and of no other list. */
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
