// The two faces over the one resume implementation: the /api/v1 facade and the edge
// functions behind the gateway (/functions/v1/NAME). Suites run the same cases through
// each, over real HTTP.
import fs from "node:fs";
import path from "node:path";
import type { RunningStack } from "../../src/local/stack.ts";
import { buildPdf } from "./pdf.ts";
import { answerOf, type HttpAnswer } from "./stack.ts";

export type FaceName = "facade" | "edge function";

export interface Face {
  name: FaceName;
  uploadUrl(stack: RunningStack): string;
  publicResumeUrl(stack: RunningStack, shareToken: string): string;
  /**
   * The client IP the face will see for a request that asks for `ip`. The facade
   * trusts X-Forwarded-For in the tests (TRUST_PROXY); the gateway in front of the
   * functions overwrites it with the socket's address, as Supabase's edge does.
   */
  seenIp(ip: string): string;
}

export const facade: Face = {
  name: "facade",
  uploadUrl: (stack) => `${stack.facadeUrl}/api/v1/resumes/upload`,
  publicResumeUrl: (stack, token) => `${stack.facadeUrl}/api/v1/shared/public/resume/${token}`,
  seenIp: (ip) => ip,
};

export const edgeFunction: Face = {
  name: "edge function",
  uploadUrl: (stack) => `${stack.functionsUrl}/resume-upload`,
  publicResumeUrl: (stack, token) => `${stack.functionsUrl}/public-resume/${token}`,
  seenIp: () => "127.0.0.1",
};

export const faces: Face[] = [facade, edgeFunction];

/** The API token supabase/seed.sql stores for local development. */
export const seedApiToken = "pcv_local_development_token_not_for_production";

export interface UploadFields {
  /** The file part; omitted when null. */
  file?: { bytes: Uint8Array; name?: string; type?: string } | null;
  /** Omitted when null. */
  resume_name?: string | null;
  is_public?: string;
}

export function uploadForm(fields: UploadFields): FormData {
  const form = new FormData();
  const file = fields.file === undefined ? { bytes: buildPdf() } : fields.file;
  if (file) {
    form.append("file", new File([file.bytes as Uint8Array<ArrayBuffer>], file.name ?? "resume.pdf", { type: file.type ?? "application/pdf" }));
  }
  const name = fields.resume_name === undefined ? "My Professional Resume" : fields.resume_name;
  if (name !== null) form.append("resume_name", name);
  if (fields.is_public !== undefined) form.append("is_public", fields.is_public);
  return form;
}

export async function upload(
  face: Face,
  stack: RunningStack,
  options: { token?: string; ip?: string; fields?: UploadFields; body?: BodyInit; headers?: Record<string, string> },
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  const response = await fetch(face.uploadUrl(stack), {
    method: "POST",
    headers,
    body: options.body ?? uploadForm(options.fields ?? {}),
  });
  return answerOf(response);
}

export async function fetchPublicResume(
  face: Face,
  stack: RunningStack,
  shareToken: string,
  options: { apiToken?: string | null; ip?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const apiToken = options.apiToken === undefined ? seedApiToken : options.apiToken;
  if (apiToken !== null) headers["x-api-token"] = apiToken;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  return answerOf(await fetch(face.publicResumeUrl(stack, shareToken), { headers }));
}

/** Every stored file of a `local` storage, relative to its folder (`{userId}/{name}.pdf`). */
export function localStoredFiles(stack: RunningStack): string[] {
  const root = path.join(stack.serverEnv.LOCAL_STORAGE_DIR!, stack.serverEnv.BUNNY_FOLDER ?? "pdfs");
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((entry) => entry.split(path.sep).join("/"))
    .filter((entry) => fs.statSync(path.join(root, entry)).isFile())
    .sort();
}

/** Every stored file of a `local` storage, PDFs and thumbnails alike, as `{folder}/{key}`. */
export function everyLocalStoredFile(stack: RunningStack): string[] {
  const root = stack.serverEnv.LOCAL_STORAGE_DIR!;
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((entry) => entry.split(path.sep).join("/"))
    .filter((entry) => fs.statSync(path.join(root, entry)).isFile())
    .sort();
}

export function localStoredFile(stack: RunningStack, key: string): Uint8Array | undefined {
  const file = path.join(stack.serverEnv.LOCAL_STORAGE_DIR!, stack.serverEnv.BUNNY_FOLDER ?? "pdfs", ...key.split("/"));
  return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
}
