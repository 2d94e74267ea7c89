// Resumes and sharing: the one implementation behind both faces (the /api/v1 facade
// and the resume-upload / public-resume edge functions). Plain values in, values or
// an ApiError out; no face's HTTP context ever reaches it (each face hands the upload a
// function that reads the form with upload-form.ts).
import type { ResumeDeps, SignedInCaller } from "./deps.ts";
import { deleteResume, getResume, listMyResumes, resumeAnalytics, rotateShareToken, updateResume } from "./manage.ts";
import type { ResumeChanges } from "./model.ts";
import { fetchSharedResume, type PublicFetchRequest } from "./public-fetch.ts";
import type { UploadForm } from "./upload-form.ts";
import { uploadResume } from "./upload.ts";

export function createResumeService(deps: ResumeDeps) {
  return {
    /**
     * The upload form becomes the caller's resume: all or nothing. `readForm` reads it
     * (upload-form.ts), called only once the caller is checked and within the hourly
     * upload limit.
     */
    upload: (caller: SignedInCaller, readForm: () => Promise<UploadForm>) => uploadResume(deps, caller, readForm),
    listMine: (caller: SignedInCaller, options?: { includeInactive?: boolean }) => listMyResumes(deps, caller, options),
    get: (caller: SignedInCaller, resumeId: number) => getResume(deps, caller, resumeId),
    update: (caller: SignedInCaller, resumeId: number, changes: ResumeChanges) => updateResume(deps, caller, resumeId, changes),
    rotateToken: (caller: SignedInCaller, resumeId: number) => rotateShareToken(deps, caller, resumeId),
    delete: (caller: SignedInCaller, resumeId: number) => deleteResume(deps, caller, resumeId),
    analytics: (caller: SignedInCaller, resumeId: number, days: number, options?: { breakdown?: boolean }) =>
      resumeAnalytics(deps, caller, resumeId, days, options),
    fetchShared: (request: PublicFetchRequest) => fetchSharedResume(deps, request),
  };
}

export type ResumeService = ReturnType<typeof createResumeService>;
