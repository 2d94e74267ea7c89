// The job board's pure pieces, in process: the keyset cursor (src/core/keyset.ts, the
// one every list pages with) and how a capped count becomes the list's total.
import { describe, expect, test } from "bun:test";
import { JOB_LIST_CURSOR } from "../../src/core/jobs/model.ts";
import { cappedTotal } from "../../src/core/jobs/service.ts";
import { decodeKeysetCursor, encodeKeysetCursor } from "../../src/core/keyset.ts";

const encodeCursor = (cursor: { createdAt: string; id: number }) => encodeKeysetCursor(JOB_LIST_CURSOR, cursor);
const decodeCursor = (text: string) => decodeKeysetCursor(JOB_LIST_CURSOR, text);

describe("keyset cursor", () => {
  test("round-trips created_at to the microsecond and the id", () => {
    const cursor = { createdAt: "2026-11-25T10:00:00.123456Z", id: 9_007_199_254_740_991 };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  test("anything it did not issue is refused", () => {
    const forge = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const value of [
      "",
      "not base64!",
      forge("notifications:2026-11-25T10:00:00.123456Z:1"),
      forge("jobs:2026-11-25T10:00:00.123Z:1"),
      forge("jobs:2026-11-25 10:00:00.123456:1"),
      forge("jobs:2026-13-45T10:00:00.123456Z:1"),
      forge("jobs:2026-11-25T10:00:00.123456Z:0"),
      forge("jobs:2026-11-25T10:00:00.123456Z:-1"),
      forge("jobs:2026-11-25T10:00:00.123456Z:99999999999999999"),
      forge("jobs:2026-11-25T10:00:00.123456Z:1:extra"),
      forge("jobs:2026-11-25T10:00:00.123456Z:1; drop table x"),
      "A".repeat(201),
    ]) {
      expect(decodeCursor(value)).toBeUndefined();
    }
  });
});

describe("capped total", () => {
  test("exact up to the cap; past it the cap, as a lower bound", () => {
    expect(cappedTotal(0, 1000)).toEqual({ total: 0, total_relation: "eq" });
    expect(cappedTotal(999, 1000)).toEqual({ total: 999, total_relation: "eq" });
    expect(cappedTotal(1000, 1000)).toEqual({ total: 1000, total_relation: "eq" });
    // The database stops counting at cap + 1.
    expect(cappedTotal(1001, 1000)).toEqual({ total: 1000, total_relation: "gte" });
  });
});
