// Serves the `local` storage's files at their signed URLs, as a Bunny pull zone with
// token authentication would: the gateway mounts it under /storage/v1/cdn/.
//   200  the file (application/pdf for .pdf) when the token and expiry are valid
//   400  a path that is not a storage path (traversal, encoded characters, dot files)
//   403  a missing, forged or expired token, or a path the token does not cover
//   404  no such file (only said after the signature checked out)
// A development tool: nothing that ships imports src/local.
import { readFile } from "node:fs/promises";
import { localFilePath, StorageError, storageKeyProblem } from "../../core/storage/index.ts";
import { verifyBunnyUrl } from "./bunny-url-verifier.ts";

export const LOCAL_STORAGE_MOUNT_PATH = "/storage/v1/cdn";

export interface LocalFileServerOptions {
  /** The local storage's rootDir (`.local/storage`). */
  rootDir: string;
  /** The key the local storage signs with. */
  securityKey: string;
  /** Where the gateway mounts the handler; default /storage/v1/cdn. */
  mountPath?: string;
  /** Unix seconds; defaults to the clock (tests move it). */
  nowSeconds?: () => number;
}

export type LocalFileHandler = (request: Request) => Promise<Response>;

export function createLocalFileHandler(options: LocalFileServerOptions): LocalFileHandler {
  const mountPath = (options.mountPath ?? LOCAL_STORAGE_MOUNT_PATH).replace(/\/+$/, "");

  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return json(405, "Only GET and HEAD are allowed.", { Allow: "GET, HEAD" });
    }
    const url = new URL(request.url);
    if (!url.pathname.startsWith(mountPath + "/")) return json(404, "Not found.");

    // Checked on the raw (still encoded) path: a valid storage path has nothing to
    // decode, so `%2e%2e`, `%2f` and friends never reach the disk.
    const relativePath = url.pathname.slice(mountPath.length + 1);
    const problem = storageKeyProblem(relativePath);
    if (problem) return json(400, `Invalid file path: ${problem}.`);

    const verification = await verifyBunnyUrl(url, {
      securityKey: options.securityKey,
      mountPath,
      nowSeconds: options.nowSeconds?.(),
    });
    if (!verification.ok) return json(403, verification.message);

    const bytes = await readLocalFile(options.rootDir, relativePath);
    if (!bytes) return json(404, "File not found.");

    const headers = {
      "Content-Type": relativePath.toLowerCase().endsWith(".pdf")
        ? "application/pdf"
        : relativePath.toLowerCase().endsWith(".png")
          ? "image/png"
          : "application/octet-stream",
      "Content-Length": String(bytes.byteLength),
      "Content-Disposition": "inline",
      "X-Content-Type-Options": "nosniff",
      // Signed URLs expire; a shared cache must not keep serving past the expiry.
      "Cache-Control": "private, no-store",
    };
    return new Response(request.method === "HEAD" ? null : (bytes as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };
}

function json(status: number, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ detail }), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });
}

/** Reads a stored file, or undefined when there is none. */
export async function readLocalFile(rootDir: string, relativePath: string): Promise<Uint8Array | undefined> {
  const file = localFilePath(rootDir, relativePath);
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw new StorageError("io", "read", `Local storage could not read ${relativePath}: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
}
