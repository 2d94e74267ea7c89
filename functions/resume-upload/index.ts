// resume-upload: a signed-in candidate uploads a resume PDF.
//
//   POST /functions/v1/resume-upload      Authorization: Bearer <Supabase access token>
//   multipart/form-data: file (PDF), resume_name, is_public (optional, default false)
//   200 the seed's { success, resume_id, permanent_token, preview_url, qr_code_base64 }
//
// The same implementation as POST /api/v1/resumes/upload: the form is read by
// src/core/resumes/upload-form.ts, the upload done by src/core/resumes/upload.ts.
// verify_jwt = false (supabase/config.toml): the function verifies the token itself,
// against the project's JWKS (ES256) with the legacy HS256 secret as fallback and its
// issuer, and checks the account and session, before reading a byte of the body.
import { authenticate } from "../../src/auth/index.ts";
import { notFound } from "../../src/core/errors.ts";
import { readUploadForm } from "../../src/core/resumes/upload-form.ts";
import { uploadResume } from "../../src/core/resumes/upload.ts";
import { functionHandler, methodNotAllowed } from "../_shared/http.ts";
import { closeOnShutdown, createFunctionRuntime } from "../_shared/runtime.ts";

const runtime = createFunctionRuntime("resume-upload");
closeOnShutdown(runtime);

const handler = functionHandler({
  name: "resume-upload",
  cors: { allowedOrigins: runtime.settings.CORS_ALLOWED_ORIGINS },
  log: runtime.log,
  async handle({ request, route }) {
    if (route !== "" && route !== "/") throw notFound("Not Found");
    if (request.method !== "POST") throw methodNotAllowed(["POST"]);
    const caller = await authenticate(runtime.verifier, request.headers.get("authorization"));
    // The account and session are checked, and the hourly upload limit, before the form is read (uploadResume).
    return uploadResume(runtime, caller, () => readUploadForm(request, runtime.settings.MAX_UPLOAD_BYTES));
  },
});

Deno.serve(handler);
