// /api/v1/resumes/{id}/links: the owner's share links of one resume (issue 13): list,
// create, read, change, rotate, revoke. The logic is src/core/share-links, over the same
// table policies and functions supabase-js uses; this controller only maps HTTP to it.
import { Elysia } from "elysia";
import { z } from "zod";
import type { JwtVerifier } from "../../auth/index.ts";
import { CreateLinkBody, ShareLinkResponse, ShareLinksResponse, UpdateLinkBody } from "../../core/share-links/model.ts";
import type { ShareLinkService } from "../../core/share-links/service.ts";
import { RowIdText } from "../../core/validation.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";

const ResumeIdParams = z.object({ id: RowIdText });
const LinkParams = z.object({ id: RowIdText, link_id: RowIdText });

const notTheirResume = "Not one of the caller's resumes, or no such resume: the same answer";
const notTheirLink = "Not a link of one of the caller's resumes, or no such link: the same answer";
const revoked = "The link is revoked: it never works or changes again";

export function shareLinksModule(deps: { service: ShareLinkService; verifier: JwtVerifier }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/resumes", tags: ["Share links"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/:id/links",
      ({ caller, params }) => service.list(caller, params.id),
      documented(
        { auth: true, params: ResumeIdParams, response: { 200: ShareLinksResponse }, detail: { summary: "The share links of one of the caller's resumes, newest first (revoked ones too)" } },
        { 404: notTheirResume },
      ),
    )
    .post(
      "/:id/links",
      ({ caller, params, body }) => service.create(caller, params.id, body),
      documented(
        {
          auth: true,
          params: ResumeIdParams,
          ...jsonBody(CreateLinkBody),
          response: { 200: ShareLinkResponse },
          detail: {
            summary: "A new share link with its own token: a label, optionally an expiry, a view limit (1: one-time), a password, a required viewer email",
          },
        },
        { 404: notTheirResume, 409: "The resume has as many links as it may (100)" },
      ),
    )
    .get(
      "/:id/links/:link_id",
      ({ caller, params }) => service.get(caller, params.id, params.link_id),
      documented({ auth: true, params: LinkParams, response: { 200: ShareLinkResponse }, detail: { summary: "One share link" } }, { 404: notTheirLink }),
    )
    .patch(
      "/:id/links/:link_id",
      ({ caller, params, body }) => service.update(caller, params.id, params.link_id, body),
      documented(
        {
          auth: true,
          params: LinkParams,
          ...jsonBody(UpdateLinkBody),
          response: { 200: ShareLinkResponse },
          detail: { summary: "Change a link's label, expiry, view limit, password or required email (null clears expiry, limit or password)" },
        },
        { 404: notTheirLink, 409: revoked },
      ),
    )
    .post(
      "/:id/links/:link_id/rotate",
      ({ caller, params }) => service.rotate(caller, params.id, params.link_id),
      documented(
        { auth: true, params: LinkParams, response: { 200: ShareLinkResponse }, detail: { summary: "A new token for the link; the old one stops working at once" } },
        { 404: notTheirLink, 409: revoked },
      ),
    )
    .post(
      "/:id/links/:link_id/revoke",
      ({ caller, params }) => service.revoke(caller, params.id, params.link_id),
      documented(
        {
          auth: true,
          params: LinkParams,
          response: { 200: ShareLinkResponse },
          detail: { summary: "Revoke the link for good: it answers 404 like an unknown one; its views stay in the analytics" },
        },
        { 404: notTheirLink },
      ),
    );
}
