// Request paths as the logs show them (redactedRequestPath): share tokens and query
// values never reach a log line, everything else stays readable.
import { describe, expect, test } from "bun:test";
import { redactedRequestPath } from "../../src/core/http.ts";

const token = "Zm9vYmFyYmF6cXV4LXF1dXgtY29yZ2UtZ3JhdWx0LXg";

describe("redactedRequestPath", () => {
  test("the share token of every public-fetch path is redacted, with anything after it", () => {
    expect(redactedRequestPath(`/api/v1/shared/public/resume/${token}`)).toBe("/api/v1/shared/public/resume/[redacted]");
    expect(redactedRequestPath(`/functions/v1/public-resume/${token}`)).toBe("/functions/v1/public-resume/[redacted]");
    expect(redactedRequestPath(`/public-resume/${token}`)).toBe("/public-resume/[redacted]");
    expect(redactedRequestPath(`/public-resume/${token}/more/${token}`)).toBe("/public-resume/[redacted]");
  });

  test("query values are redacted; names that look like names stay, others are redacted too", () => {
    expect(redactedRequestPath(`/public-resume/${token}?include=preview`)).toBe("/public-resume/[redacted]?include=[redacted]");
    expect(redactedRequestPath("/api/v1/jobs/list?search=Jane%20Doe&limit=20")).toBe("/api/v1/jobs/list?search=[redacted]&limit=[redacted]");
    expect(redactedRequestPath(`/api/v1/jobs/list?${token}`)).toBe("/api/v1/jobs/list?[redacted]=[redacted]");
    expect(redactedRequestPath("/api/v1/jobs/list?")).toBe("/api/v1/jobs/list");
  });

  test("other paths are left as they are", () => {
    for (const path of ["/api/v1/resumes/12", "/api/v1/shared/public/resume/", "/public-resume", "/health", "/api/v1/recruiters/profile/jane"]) {
      expect(redactedRequestPath(path)).toBe(path);
    }
  });
});
