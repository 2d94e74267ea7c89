import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { releaseBuffer } from "../../src/core/body.ts";
import { isMultipartFile, MultipartError, readMultipartForm, type MultipartFile } from "../../src/core/multipart.ts";

const boundary = "----previewcv-test-boundary";
const contentType = `multipart/form-data; boundary=${boundary}`;

/** A multipart body with a resume_name field and a file of `fileBytes` bytes. */
function multipartBody(fileBytes: number): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="resume_name"\r\n\r\nMy Resume\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + fileBytes + tail.length);
  body.set(head);
  for (let i = 0; i < fileBytes; i++) body[head.length + i] = 0x41 + (i % 26);
  body.set(tail, head.length + fileBytes);
  return body;
}

function post(body: BodyInit | null, headers: Record<string, string> = { "content-type": contentType }): Request {
  return new Request("http://facade.test/api/v1/resumes/upload", {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit);
}

/** An endless body that counts what was pulled from it and whether it was cancelled. */
function endlessBody(chunkBytes: number, prefix = multipartBody(0).subarray(0, 200)) {
  const source = { pulledBytes: 0, pulls: 0, cancelled: false };
  let sentPrefix = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = sentPrefix ? new Uint8Array(chunkBytes).fill(0x42) : prefix;
        sentPrefix = true;
        source.pulls++;
        source.pulledBytes += chunk.length;
        controller.enqueue(chunk);
      },
      cancel() {
        source.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, source };
}

async function refusal(promise: Promise<unknown>): Promise<MultipartError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MultipartError);
    return error as MultipartError;
  }
  throw new Error("expected a MultipartError");
}

describe("readMultipartForm", () => {
  test("a chunked body grows its buffer by doubling, up to the limit, never past it", async () => {
    const body = multipartBody(300_000);
    const streamed = new Blob([body]).stream();
    const form = await readMultipartForm(post(streamed), { maxBodyBytes: body.length + 10 });
    const file = form.get("file") as MultipartFile;
    expect(file.bytes.byteLength).toBe(300_000);
    expect(file.bytes.buffer.byteLength).toBeLessThanOrEqual(body.length + 10);
  });

  test("a body exactly at the limit is read, fields and file intact", async () => {
    const body = multipartBody(10_000);
    const form = await readMultipartForm(post(body), { maxBodyBytes: body.length });
    expect(form.get("resume_name")).toBe("My Resume");
    const file = form.get("file");
    expect(isMultipartFile(file)).toBe(true);
    const { filename, contentType: type, bytes } = file as MultipartFile;
    expect([filename, type]).toEqual(["cv.pdf", "application/pdf"]);
    expect(bytes.byteLength).toBe(10_000);
    expect(bytes[0]).toBe(0x41);
    expect(bytes[9_999]).toBe(0x41 + (9_999 % 26));
  });

  test("the file is a view into the body's one buffer, not a copy; text fields are decoded", async () => {
    const body = multipartBody(1_000_000);
    const request = post(body, { "content-type": contentType, "content-length": String(body.length) });
    const form = await readMultipartForm(request, { maxBodyBytes: 2 * body.length });
    const file = form.get("file") as MultipartFile;
    // The body was read into one buffer of its Content-Length (not of the limit): the file's bytes lie in it.
    expect(file.bytes.buffer.byteLength).toBe(body.length);
    expect(file.bytes.byteOffset).toBe(body.length - 1_000_000 - `\r\n--${boundary}--\r\n`.length);
    expect(typeof form.get("resume_name")).toBe("string");
  });

  test("each chunk that is its own buffer is released once copied; a view into a shared buffer is left alone; the file intact", async () => {
    const body = multipartBody(200_000);
    const own = (from: number, to: number) => body.slice(from, to); // a copy: its own buffer
    const shared = new Uint8Array(body.length + 100);
    shared.set(body.subarray(60_000, 120_000), 50);
    const chunks = [own(0, 60_000), shared.subarray(50, 60_050), own(120_000, body.length)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const form = await readMultipartForm(post(stream), { maxBodyBytes: body.length });
    const file = form.get("file") as MultipartFile;
    const tail = `\r\n--${boundary}--\r\n`.length;
    expect(file.bytes.byteLength).toBe(200_000);
    expect(Buffer.from(file.bytes).equals(body.subarray(body.length - tail - 200_000, body.length - tail))).toBe(true);
    expect(chunks.map((chunk) => (chunk.buffer as ArrayBuffer & { detached: boolean }).detached)).toEqual([true, false, true]);
    expect(shared[50]).toBe(body[60_000]!);
  });

  test("releaseBuffer empties every view of a buffer at once; twice is harmless", () => {
    const bytes = new Uint8Array(1_000).fill(1);
    const view = bytes.subarray(10, 20);
    releaseBuffer(view);
    expect([bytes.byteLength, view.byteLength]).toEqual([0, 0]);
    releaseBuffer(bytes);
    expect(bytes.byteLength).toBe(0);
  });

  test("quoted names with escapes, filename*, a preamble, padding after a boundary, an epilogue; a name sent twice answers its first value", async () => {
    const text =
      `preamble to ignore\r\n--${boundary}  \r\nContent-Disposition: form-data; name="resume_name"\r\n\r\nFirst\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name=resume_name\r\n\r\nSecond\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="say \\"hi\\""\r\n\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plain.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n\r\n%PDF\r\n` +
      `--${boundary}--\r\nepilogue to ignore`;
    const form = await readMultipartForm(post(text), { maxBodyBytes: 10_000 });
    expect(form.get("resume_name")).toBe("First");
    expect(form.get('say "hi"')).toBe("");
    expect((form.get("file") as MultipartFile).filename).toBe("résumé.pdf");
    expect(new TextDecoder().decode((form.get("file") as MultipartFile).bytes)).toBe("%PDF");
    expect(form.get("missing")).toBeNull();
  });

  test("framing that does not hold is 400: an unclosed part, a part without a name, a boundary line with junk after it", async () => {
    const bodies = [
      `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno closing boundary`,
      `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`,
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`,
      `--${boundary}\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--${boundary}--\r\n`,
      `--${boundary}junk\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--${boundary}--\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="a\r\n\r\nx\r\n--${boundary}--\r\n`,
    ];
    for (const text of bodies) {
      expect(await refusal(readMultipartForm(post(text), { maxBodyBytes: 10_000 }))).toMatchObject({
        kind: "malformed",
        status: 400,
        message: "The multipart/form-data body is malformed.",
      });
    }
  });

  test("one byte over the limit is 413 (streamed, no Content-Length)", async () => {
    const body = multipartBody(10_000);
    const error = await refusal(readMultipartForm(post(new Blob([body]).stream()), { maxBodyBytes: body.length - 1 }));
    expect(error).toMatchObject({ kind: "too-large", status: 413 });
    expect(error.bytesRead).toBe(body.length);
  });

  test("one byte over the limit by Content-Length is 413 before anything is read", async () => {
    const body = multipartBody(10_000);
    const { stream, source } = endlessBody(1024);
    const request = post(stream, { "content-type": contentType, "content-length": String(body.length) });
    const error = await refusal(readMultipartForm(request, { maxBodyBytes: body.length - 1 }));
    expect(error).toMatchObject({ kind: "too-large", status: 413, bytesRead: 0 });
    expect(source.pulledBytes).toBe(0);
  });

  test("a Content-Length that lies (small) does not get past the limit", async () => {
    const { stream, source } = endlessBody(16 * 1024);
    const request = post(stream, { "content-type": contentType, "content-length": "100" });
    const error = await refusal(readMultipartForm(request, { maxBodyBytes: 64 * 1024 }));
    expect(error.kind).toBe("too-large");
    expect(error.bytesRead).toBeGreaterThan(64 * 1024);
    expect(error.bytesRead).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(source.pulledBytes).toBeLessThanOrEqual(64 * 1024 + 2 * 16 * 1024);
  });

  test("an endless chunked body is cut off just past the limit, and the source is cancelled", async () => {
    const { stream, source } = endlessBody(8 * 1024);
    const error = await refusal(readMultipartForm(post(stream), { maxBodyBytes: 100 * 1024 }));
    expect(error).toMatchObject({ kind: "too-large", status: 413 });
    // It stopped pulling at the first chunk past the limit (a few chunks of slack for
    // the stream's own read-ahead), though the source would have gone on forever.
    expect(source.pulledBytes).toBeGreaterThan(100 * 1024);
    expect(source.pulledBytes).toBeLessThanOrEqual(100 * 1024 + 3 * 8 * 1024);
    await Bun.sleep(5);
    expect(source.cancelled).toBe(true);
    const pullsWhenRefused = source.pulls;
    await Bun.sleep(20);
    expect(source.pulls).toBe(pullsWhenRefused);
  });

  test("a Content-Length shorter than the body (under the limit) is malformed", async () => {
    const body = multipartBody(100);
    const request = post(new Blob([body]).stream(), { "content-type": contentType, "content-length": String(body.length - 10) });
    expect(await refusal(readMultipartForm(request, { maxBodyBytes: 10_000 }))).toMatchObject({ kind: "malformed", status: 400 });
  });

  test("a Content-Length that is not a number is malformed", async () => {
    const request = post(multipartBody(10), { "content-type": contentType, "content-length": "12abc" });
    expect(await refusal(readMultipartForm(request, { maxBodyBytes: 10_000 }))).toMatchObject({ kind: "malformed", status: 400 });
  });

  test("a body that is not multipart is 415", async () => {
    for (const type of ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/mixed; boundary=x"]) {
      const request = post('{"resume_name":"x"}', { "content-type": type });
      expect(await refusal(readMultipartForm(request, { maxBodyBytes: 10_000 }))).toMatchObject({
        kind: "not-multipart",
        status: 415,
      });
    }
    const untyped = new Request("http://facade.test/", { method: "POST", body: new Uint8Array([1, 2, 3]) });
    expect(await refusal(readMultipartForm(untyped, { maxBodyBytes: 10_000 }))).toMatchObject({ status: 415 });
  });

  test("multipart without a boundary, or with a broken body, is 400", async () => {
    const noBoundary = post(multipartBody(10), { "content-type": "multipart/form-data" });
    expect(await refusal(readMultipartForm(noBoundary, { maxBodyBytes: 10_000 }))).toMatchObject({ kind: "malformed", status: 400 });
    const garbage = post("this is not multipart at all", { "content-type": contentType });
    expect(await refusal(readMultipartForm(garbage, { maxBodyBytes: 10_000 }))).toMatchObject({ kind: "malformed", status: 400 });
    const noBody = new Request("http://facade.test/", { method: "POST", headers: { "content-type": contentType } });
    expect(await refusal(readMultipartForm(noBody, { maxBodyBytes: 10_000 }))).toMatchObject({ kind: "malformed" });
  });

  test("a FormData body built by fetch itself round-trips", async () => {
    const form = new FormData();
    form.set("resume_name", "Ünïcødé résumé");
    form.set("is_public", "true");
    form.set("file", new File([new Uint8Array([0x25, 0x50, 0x44, 0x46])], "cv.pdf", { type: "application/pdf" }));
    const request = new Request("http://facade.test/", { method: "POST", body: form });
    const parsed = await readMultipartForm(request, { maxBodyBytes: 10_000 });
    expect(parsed.get("resume_name")).toBe("Ünïcødé résumé");
    expect(parsed.get("is_public")).toBe("true");
    expect((parsed.get("file") as MultipartFile).bytes).toEqual(new Uint8Array([0x25, 0x50, 0x44, 0x46]));
  });
});

/** A byte stream (type "bytes", as Deno hands request bodies over): the reader may read straight into its own buffer. */
function byteStream(chunks: Uint8Array[], then: { endlessChunkBytes?: number } = {}) {
  const source = { pulledBytes: 0, cancelled: false, byobReads: 0 };
  let next = 0;
  const stream = new ReadableStream(
    {
      type: "bytes",
      pull(controller) {
        const chunk = next < chunks.length ? chunks[next++] : then.endlessChunkBytes ? new Uint8Array(then.endlessChunkBytes).fill(0x42) : undefined;
        if (controller.byobRequest) source.byobReads++;
        if (!chunk) {
          controller.close();
          // A read waiting with its own buffer is answered "done" by an empty response.
          return controller.byobRequest?.respond(0);
        }
        source.pulledBytes += chunk.length;
        controller.enqueue(chunk.slice());
      },
      cancel() {
        source.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, source };
}

describe("readMultipartForm over a byte stream (BYOB, as in Deno)", () => {
  test("read straight into one buffer of its Content-Length, in pieces; the file intact", async () => {
    const body = multipartBody(200_000);
    const pieces = [body.subarray(0, 1000), body.subarray(1000, 150_000), body.subarray(150_000)];
    const { stream, source } = byteStream(pieces);
    const request = post(stream, { "content-type": contentType, "content-length": String(body.length) });
    const form = await readMultipartForm(request, { maxBodyBytes: 2 * body.length });
    const file = form.get("file") as MultipartFile;
    expect(file.bytes).toEqual(body.subarray(body.length - 200_000 - `\r\n--${boundary}--\r\n`.length, body.length - `\r\n--${boundary}--\r\n`.length));
    expect(file.bytes.buffer.byteLength).toBe(body.length);
    expect(form.get("resume_name")).toBe("My Resume");
    expect(source.byobReads).toBeGreaterThan(0);
  });

  test("without a Content-Length the buffer doubles as it fills, up to the limit", async () => {
    const body = multipartBody(500_000);
    const { stream } = byteStream([body.subarray(0, 100_000), body.subarray(100_000, 300_000), body.subarray(300_000)]);
    const form = await readMultipartForm(post(stream), { maxBodyBytes: body.length });
    expect((form.get("file") as MultipartFile).bytes.byteLength).toBe(500_000);
  });

  test("an endless body is cut off just past the limit and its source cancelled; a lying Content-Length too", async () => {
    for (const headers of [{ "content-type": contentType }, { "content-type": contentType, "content-length": "100" }] as Record<string, string>[]) {
      const { stream, source } = byteStream([multipartBody(0).subarray(0, 200)], { endlessChunkBytes: 8 * 1024 });
      const error = await refusal(readMultipartForm(post(stream, headers), { maxBodyBytes: 100 * 1024 }));
      expect(error).toMatchObject({ kind: "too-large", status: 413 });
      expect(error.bytesRead).toBeGreaterThan(100 * 1024);
      expect(source.pulledBytes).toBeLessThanOrEqual(100 * 1024 + 3 * 8 * 1024);
      await Bun.sleep(5);
      expect(source.cancelled).toBe(true);
    }
  });

  test("a body exactly at the limit is read; a Content-Length longer than the body is malformed", async () => {
    const body = multipartBody(50_000);
    const exact = byteStream([body]);
    const form = await readMultipartForm(post(exact.stream), { maxBodyBytes: body.length });
    expect((form.get("file") as MultipartFile).bytes.byteLength).toBe(50_000);
    const short = byteStream([body]);
    const request = post(short.stream, { "content-type": contentType, "content-length": String(body.length + 10) });
    expect(await refusal(readMultipartForm(request, { maxBodyBytes: 2 * body.length }))).toMatchObject({ kind: "malformed", status: 400 });
  });
});

describe("readMultipartForm over real HTTP", () => {
  const limit = 256 * 1024;
  let server: ReturnType<typeof Bun.serve>;
  const outcomes: { status: number; bytesRead: number }[] = [];

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        try {
          const form = await readMultipartForm(request, { maxBodyBytes: limit });
          outcomes.push({ status: 200, bytesRead: 0 });
          return Response.json({ size: (form.get("file") as MultipartFile).bytes.byteLength });
        } catch (error) {
          if (!(error instanceof MultipartError)) throw error;
          outcomes.push({ status: error.status, bytesRead: error.bytesRead });
          return Response.json({ detail: error.message }, { status: error.status });
        }
      },
    });
  });
  afterAll(async () => {
    await server.stop(true);
  });

  test("a body under the limit is parsed", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: multipartBody(100_000),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ size: 100_000 });
  });

  test("a declared Content-Length over the limit is 413 without reading the body", async () => {
    outcomes.length = 0;
    const response = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: multipartBody(limit),
    });
    expect(response.status).toBe(413);
    expect(outcomes).toEqual([{ status: 413, bytesRead: 0 }]);
  });

  test("a chunked upload that keeps going is answered 413 just past the limit", async () => {
    outcomes.length = 0;
    const total = 64 * 1024 * 1024;
    let sent = 0;
    const upload = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent === 0) {
            const head = multipartBody(0).subarray(0, 200);
            sent += head.length;
            controller.enqueue(head);
          } else if (sent < total) {
            sent += 64 * 1024;
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x43));
          } else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const status = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: upload,
      duplex: "half",
    } as RequestInit).then(
      (response) => response.status,
      () => "connection closed by the server" as const,
    );
    expect([413, "connection closed by the server"]).toContain(status);
    // The server side saw the refusal as soon as its count passed the limit.
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.status).toBe(413);
    expect(outcomes[0]!.bytesRead).toBeGreaterThan(limit);
    expect(outcomes[0]!.bytesRead).toBeLessThan(limit + 1024 * 1024);
    // The client was stopped too: far less than the 64 MB it had to send left it.
    expect(sent).toBeLessThan(total / 4);
  });
});
