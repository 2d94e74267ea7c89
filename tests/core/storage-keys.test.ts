import { describe, expect, test } from "bun:test";
import { assertStorageKey, isValidStorageKey, StorageError, storageKeyProblem } from "../../src/core/storage/index.ts";

describe("storage keys", () => {
  test("accept the keys we build", () => {
    for (const key of [
      "6f1c1d7e-3b8a-4c3e-9a51-0d2b8f7e4a10/0123456789abcdef0123456789abcdef.pdf",
      "a.pdf",
      "user_1/Resume-2026.v2.pdf",
    ]) {
      expect(storageKeyProblem(key)).toBeUndefined();
    }
  });

  const refused: [string, unknown][] = [
    ["empty", ""],
    ["not a string", 42],
    ["parent segment", "../secret.pdf"],
    ["parent segment inside", "user/../../secret.pdf"],
    ["current segment", "user/./a.pdf"],
    ["absolute path", "/etc/passwd"],
    ["backslash", "user\\..\\a.pdf"],
    ["empty segment", "user//a.pdf"],
    ["trailing slash", "user/"],
    ["hidden file", "user/.upload-1.tmp"],
    ["percent-encoding", "user/%2e%2e/a.pdf"],
    ["space", "user/a b.pdf"],
    ["query", "user/a.pdf?x=1"],
    ["fragment", "user/a.pdf#x"],
    ["NUL byte", "user/a.pdf\u0000.png"],
    ["non-ASCII", "usér/a.pdf"],
    ["drive letter", "C:/a.pdf"],
    ["too long", `${"a".repeat(497)}.pdf`],
  ];
  for (const [name, key] of refused) {
    test(`refuse ${name}`, () => {
      expect(storageKeyProblem(key)).toBeString();
      expect(isValidStorageKey(key)).toBe(false);
      expect(() => assertStorageKey(key, "put")).toThrow(StorageError);
      try {
        assertStorageKey(key, "put");
      } catch (error) {
        expect(error).toMatchObject({ kind: "invalid-key", operation: "put" });
      }
    });
  }
});
