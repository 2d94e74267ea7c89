// Resumes and sharing: the one implementation behind both faces (the /api/v1 facade
// and the resume-upload / public-resume edge functions). Plain values in, values or
// an ApiError out; no face's HTTP context ever reaches it.
import { getResume, listMyResumes, resumeAnalytics, rotateShareToken, updateResume, deleteResume } from "./manage.ts";
import { fetchSharedResume, type PublicFetchRequest } from "./public-fetch.ts";
import type { ResumeDeps, SignedInCaller } from "./deps.ts";
import { readUploadForm, uploadResume } from "./upload.ts";
import type { ResumeChanges } from "../validation.ts";

export function createResumeService(deps: ResumeDeps) {
  return {
    /** Reads the multipart body (size-limited while streaming) and checks it. */
    readUploadForm: (request: Request) => readUploadForm(request, deps.settings.MAX_UPLOAD_BYTES),
    /** Authenticated caller + a request: the whole upload, all or nothing. */
    async upload(caller: SignedInCaller, request: Request) {
      return uploadResume(deps, caller, await readUploadForm(request, deps.settings.MAX_UPLOAD_BYTES));
    },
    listMine: (caller: SignedInCaller, options?: { includeInactive?: boolean }) => listMyResumes(deps, caller, options),
    get: (caller: SignedInCaller, resumeId: number) => getResume(deps, caller, resumeId),
    update: (caller: SignedInCaller, resumeId: number, changes: ResumeChanges) => updateResume(deps, caller, resumeId, changes),
    rotateToken: (caller: SignedInCaller, resumeId: number) => rotateShareToken(deps, caller, resumeId),
    delete: (caller: SignedInCaller, resumeId: number) => deleteResume(deps, caller, resumeId),
    analytics: (caller: SignedInCaller, resumeId: number, days: number) => resumeAnalytics(deps, caller, resumeId, days),
    fetchShared: (request: PublicFetchRequest) => fetchSharedResume(deps, request),
  };
}

export type ResumeService = ReturnType<typeof createResumeService>;

export { deleteResume, getResume, listMyResumes, resumeAnalytics, resumeNotFound, rotateShareToken, updateResume } from "./manage.ts";
export { fetchSharedResume, invalidApiToken, sharedResumeNotFound, type PublicFetchRequest } from "./public-fetch.ts";
export { putMayHaveStored, removeOrphan, storageFailure } from "./orphan-cleanup.ts";
export type { ResumeAnalytics, ResumeDeps, ResumeDetail, ResumeSettings, ResumeSummary, SharedResume, SignedInCaller, UploadResult } from "./deps.ts";
export { fileTooLarge, MULTIPART_OVERHEAD_BYTES, previewUrlOf, readUploadForm, uploadResume, type UploadForm } from "./upload.ts";
export { AnalyticsDays, FormBoolean, parseOrThrow, ResumeChanges, ResumeId, ResumeName, validationError } from "../validation.ts";
