// The resume upload's form, as both faces receive it (POST /api/v1/resumes/upload and
// the resume-upload edge function): multipart/form-data with `file` (a PDF),
// `resume_name` and `is_public`. Read here, size-limited while the body streams in, the
// fields checked and the bytes proven a PDF (never from the file name or the client's
// Content-Type), so that the service (upload.ts) gets plain values and never a Request.
//
// Runtime-neutral: a standard Request (Bun and Deno).
import { ApiError, badRequest, invalidRequest, payloadTooLarge, type RequestProblem } from "../errors.ts";
import { isMultipartFile, MultipartError, readMultipartForm, type MultipartFile, type MultipartForm } from "../multipart.ts";
import { checkPdf } from "../pdf.ts";
import { uploadBodyLimit } from "../settings.ts";
import { FormBoolean, ResumeName } from "./model.ts";

export interface UploadForm {
  /**
   * The file's bytes: a view into the request body's one buffer (multipart.ts), not a
   * copy. The client's name and type for it are not trusted for anything.
   */
  pdf: Uint8Array;
  resumeName: string;
  isPublic: boolean;
}

export function fileTooLarge(maxUploadBytes: number): ApiError {
  return payloadTooLarge(`The file is larger than the limit of ${maxUploadBytes} bytes`, { max_bytes: maxUploadBytes });
}

/**
 * Reads and checks the upload form: `file` (a PDF of at most maxUploadBytes),
 * `resume_name`, `is_public` (optional, default false). Throws the ApiError to answer.
 */
export async function readUploadForm(request: Request, maxUploadBytes: number): Promise<UploadForm> {
  let form: MultipartForm;
  try {
    form = await readMultipartForm(request, { maxBodyBytes: uploadBodyLimit(maxUploadBytes) });
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    if (error.kind === "too-large") throw fileTooLarge(maxUploadBytes);
    throw new ApiError(error.status, error.message);
  }

  const problems: RequestProblem[] = [];
  const file = form.get("file");
  if (file === null) problems.push({ loc: ["body", "file"], msg: "Field required" });
  else if (!isMultipartFile(file)) problems.push({ loc: ["body", "file"], msg: "Expected a file upload, got a text field" });

  const name = form.get("resume_name");
  let resumeName = "";
  if (name === null) problems.push({ loc: ["body", "resume_name"], msg: "Field required" });
  else if (typeof name !== "string") problems.push({ loc: ["body", "resume_name"], msg: "Expected text, got a file" });
  else {
    const parsed = ResumeName.safeParse(name);
    if (parsed.success) resumeName = parsed.data;
    else problems.push(...parsed.error.issues.map((issue) => ({ loc: ["body", "resume_name"], msg: issue.message })));
  }

  const flag = form.get("is_public");
  let isPublic = false;
  if (flag !== null) {
    const parsed = typeof flag === "string" ? FormBoolean.safeParse(flag) : undefined;
    if (parsed?.success) isPublic = parsed.data;
    else problems.push({ loc: ["body", "is_public"], msg: "Must be true or false" });
  }

  if (problems.length > 0) throw invalidRequest(problems);

  const pdf = (file as MultipartFile).bytes;
  if (pdf.byteLength > maxUploadBytes) throw fileTooLarge(maxUploadBytes);
  const check = checkPdf(pdf);
  if (!check.ok) throw badRequest("Only PDF files are allowed", { reason: check.reason });
  return { pdf, resumeName, isPublic };
}

/** The form as OpenAPI describes it: the routes read the stream themselves, so this sits beside the reader it documents. */
export function uploadFormDocs(maxUploadBytes: number) {
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["file", "resume_name"],
          properties: {
            file: { type: "string", format: "binary", description: `A PDF of at most ${maxUploadBytes} bytes (checked from its bytes, not its name).` },
            resume_name: { type: "string", minLength: 1, maxLength: 255, description: "Trimmed; no control characters." },
            is_public: { type: "boolean", default: false, description: "true/false, 1/0, yes/no or on/off, in any case." },
          },
        },
      },
    },
  };
}
