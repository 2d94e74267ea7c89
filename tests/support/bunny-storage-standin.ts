// A Bunny Edge Storage stand-in for tests: a real HTTP server that answers
// PUT/GET/DELETE at /{zone}/{path} the way Bunny's Storage API does (AccessKey -> 401,
// Checksum mismatch -> 400, upload -> 201, delete -> 200, missing -> 404), keeps the
// files in memory so tests can see what was stored, and can be told to fail the next
// requests (5xx, 401, or hang until the client gives up).

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string | null;
}

export type StandinMethod = "PUT" | "GET" | "DELETE";
export type StandinFailure = { status: 401 | 500 | 502 | 503 } | "hang";

export interface RecordedRequest {
  method: string;
  /** Path inside the zone, e.g. `pdfs/{random}.pdf`. */
  path: string;
  status: number | "hung";
  headers: Record<string, string>;
}

export interface BunnyStorageStandin {
  /** `http://127.0.0.1:{port}`, to pass as storageApiUrl. */
  readonly url: string;
  readonly zone: string;
  readonly accessKey: string;
  /** Stored files by path inside the zone. */
  readonly files: Map<string, StoredFile>;
  readonly requests: RecordedRequest[];
  /** Paths inside the zone, sorted. */
  list(): string[];
  /** The next `count` requests with this method fail as told. */
  failNext(method: StandinMethod, count: number, failure: StandinFailure): void;
  stop(): Promise<void>;
}

export interface StandinOptions {
  zone?: string;
  accessKey?: string;
}

export async function startBunnyStorageStandin(options: StandinOptions = {}): Promise<BunnyStorageStandin> {
  const zone = options.zone ?? "previewcv-test";
  const accessKey = options.accessKey ?? `storage-password-${crypto.randomUUID()}`;
  const files = new Map<string, StoredFile>();
  const requests: RecordedRequest[] = [];
  const pendingFailures: { method: StandinMethod; failure: StandinFailure }[] = [];
  const hanging = new Set<() => void>();

  const answer = (status: number, message: string) =>
    Response.json({ HttpCode: status, Message: message }, { status });

  const server = Bun.serve({
    // Port 0: the OS picks a free port atomically (no probe-then-bind race).
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 60,
    async fetch(request) {
      const url = new URL(request.url);
      const [, requestZone, ...rest] = url.pathname.split("/");
      const path = rest.map(decodeURIComponent).join("/");
      const record: RecordedRequest = {
        method: request.method,
        path,
        status: 0,
        headers: Object.fromEntries(request.headers),
      };
      requests.push(record);
      const respond = (response: Response) => {
        record.status = response.status;
        return response;
      };

      const failureAt = pendingFailures.findIndex((pending) => pending.method === request.method);
      if (failureAt !== -1) {
        const { failure } = pendingFailures.splice(failureAt, 1)[0]!;
        if (failure === "hang") {
          record.status = "hung";
          // Never answer; released when the stand-in stops.
          await new Promise<void>((release) => hanging.add(release));
          return answer(503, "Stand-in stopped");
        }
        return respond(answer(failure.status, failure.status === 401 ? "Unauthorized" : "Internal Server Error"));
      }

      if (request.headers.get("AccessKey") !== accessKey) return respond(answer(401, "Unauthorized"));
      if (requestZone !== zone) return respond(answer(404, "Storage zone not found"));
      if (!path || path.endsWith("/")) return respond(answer(400, "Invalid path"));

      switch (request.method) {
        case "PUT": {
          const bytes = new Uint8Array(await request.arrayBuffer());
          const claimed = request.headers.get("Checksum");
          if (claimed !== null && claimed !== (await sha256Hex(bytes)).toUpperCase()) {
            return respond(answer(400, "Checksum and file hash do not match"));
          }
          files.set(path, { bytes, contentType: request.headers.get("Content-Type") });
          return respond(answer(201, "File uploaded."));
        }
        case "GET": {
          const file = files.get(path);
          if (!file) return respond(answer(404, "Object Not Found"));
          return respond(new Response(file.bytes as Uint8Array<ArrayBuffer>, { status: 200 }));
        }
        case "DELETE": {
          if (!files.delete(path)) return respond(answer(404, "Object Not Found"));
          return respond(answer(200, "File deleted successfuly."));
        }
        default:
          return respond(answer(405, "Method not allowed"));
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    zone,
    accessKey,
    files,
    requests,
    list: () => [...files.keys()].sort(),
    failNext(method, count, failure) {
      for (let i = 0; i < count; i++) pendingFailures.push({ method, failure });
    },
    async stop() {
      for (const release of hanging) release();
      hanging.clear();
      await server.stop(true);
    },
  };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
