// The OpenAPI document (/docs/json) documents every operation, walked in process: its
// path parameters, its request body (JSON with a schema, or the upload's multipart form),
// at least one refusal with the one error schema, and `security` wherever the route
// authenticates its caller, which is read from the route's own `auth` / `optionalAuth`
// macro (routeAuthentication), never from a list kept here.
import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { z } from "zod";
import type { AnyElysia } from "elysia";
import { callerPlugin, routeAuthentication } from "../../src/api/plugins/caller.ts";
import { docsPlugin, documented } from "../../src/api/plugins/docs.ts";
import { jsonBody } from "../../src/api/plugins/json-body.ts";
import type { JwtVerifier } from "../../src/auth/index.ts";
import { useInProcessFacade } from "../support/facade.ts";

const facade = useInProcessFacade();

type Operation = Record<string, any>;
type Document = { paths: Record<string, Record<string, Operation>>; components?: { securitySchemes?: Record<string, unknown> } };

const documentedMethods = ["get", "post", "put", "patch", "delete"];

async function documentOf(app: AnyElysia): Promise<Document> {
  const response = await app.handle(new Request("http://localhost/docs/json"));
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** Everything the document leaves out, one line per problem: empty when every operation is documented. */
async function undocumented(app: AnyElysia): Promise<string[]> {
  const document = await documentOf(app);
  const problems: string[] = [];
  const routes = app.routes.filter((route) => documentedMethods.includes(route.method.toLowerCase()) && !(route.hooks as { detail?: { hide?: boolean } }).detail?.hide);
  expect(routes.length).toBeGreaterThan(0);
  for (const route of routes) {
    const method = route.method.toLowerCase();
    const openApiPath = route.path.replace(/:([^/]+)/g, "{$1}");
    const name = `${route.method} ${openApiPath}`;
    const operation = document.paths[openApiPath]?.[method];
    if (!operation) {
      problems.push(`${name}: not in the document`);
      continue;
    }
    const hooks = route.hooks as { body?: unknown; parse?: { fn: unknown }[] };

    // Path parameters: each {name} of the path, required.
    for (const [, parameter] of openApiPath.matchAll(/\{([^}]+)\}/g)) {
      const documentedParameter = (operation.parameters ?? []).find((p: { in: string; name: string }) => p.in === "path" && p.name === parameter);
      if (!documentedParameter?.required || !documentedParameter.schema) problems.push(`${name}: path parameter ${parameter} missing`);
    }

    // The body: a route with a body schema takes JSON, documented with that schema; a
    // route that reads its body itself (parse "none") documents its form.
    const readsItsOwnBody = hooks.parse?.some((hook) => hook.fn === "none") ?? false;
    if (hooks.body !== undefined) {
      const content = operation.requestBody?.content ?? {};
      const schema = content["application/json"]?.schema;
      if (JSON.stringify(Object.keys(content)) !== '["application/json"]') problems.push(`${name}: body documented as ${JSON.stringify(Object.keys(content))}, not application/json`);
      if (!schema || !(schema.properties || schema.type)) problems.push(`${name}: body schema empty`);
    } else if (readsItsOwnBody && method !== "get") {
      const content = operation.requestBody?.content ?? {};
      const schemas = Object.values(content).map((media: any) => media?.schema);
      if (schemas.length === 0 || schemas.some((schema) => !schema?.properties)) problems.push(`${name}: the body it reads is not documented`);
    } else if (operation.requestBody) {
      problems.push(`${name}: documents a body it does not take`);
    }

    // Refusals: at least one, each with the one error schema and a reason.
    const refusals = Object.entries<Operation>(operation.responses ?? {}).filter(([status]) => Number(status) >= 400);
    if (refusals.length === 0) problems.push(`${name}: no refusal documented`);
    for (const [status, answer] of refusals) {
      const schema = answer.content?.["application/json"]?.schema;
      if (schema?.properties?.success?.const !== false || schema?.properties?.detail?.type !== "string") problems.push(`${name}: ${status} is not the error schema`);
      if (!answer.description || /^Response for status/.test(answer.description)) problems.push(`${name}: ${status} says not when it is answered`);
    }

    // Security, from the macro the route uses.
    const authentication = routeAuthentication(route);
    const expected = { required: [{ bearer: [] }], optional: [{}, { bearer: [] }], none: undefined }[authentication];
    const security = operation.security?.length ? operation.security : undefined;
    if (JSON.stringify(security) !== JSON.stringify(expected)) problems.push(`${name}: security ${JSON.stringify(security)}, the route's authentication is ${authentication}`);
    if (authentication !== "none" && !operation.responses?.["401"]) problems.push(`${name}: authenticates but documents no 401`);
    for (const requirement of security ?? []) {
      for (const scheme of Object.keys(requirement)) if (!document.components?.securitySchemes?.[scheme]) problems.push(`${name}: security scheme ${scheme} is not declared`);
    }
  }
  return problems;
}

describe("/docs/json", () => {
  test("documents every operation: path parameters, body, refusals and security", async () => {
    expect(await undocumented(facade.app)).toEqual([]);
  });

  test("the walker finds what a route leaves out", async () => {
    const verifier: JwtVerifier = { verifyAccessToken: async () => ({ sub: crypto.randomUUID(), role: "authenticated" }) };
    const Body = z.object({ name: z.string() });
    const careless = new Elysia()
      .use(docsPlugin({ title: "t", version: "0", description: "walker self-test" }))
      .use(callerPlugin(verifier))
      // A body schema without jsonBody(): documented as three media types, read without a limit.
      .post("/forms/:form_id", ({ body }) => body, { body: Body })
      // No refusals documented.
      .get("/mine", () => ({ ok: true }), { auth: true })
      // Claims a bearer token in the document, but no macro checks one.
      .get("/claims", () => ({ ok: true }), documented({ detail: { security: [{ bearer: [] }] } }))
      // Done right.
      .put("/things/:thing_id", ({ body }) => body, documented({ auth: true, params: z.object({ thing_id: z.string() }), ...jsonBody(Body) }));
    expect(await undocumented(careless)).toEqual([
      'POST /forms/{form_id}: body documented as ["application/json","application/x-www-form-urlencoded","multipart/form-data"], not application/json',
      "POST /forms/{form_id}: no refusal documented",
      "GET /mine: no refusal documented",
      "GET /mine: authenticates but documents no 401",
      'GET /claims: security [{"bearer":[]}], the route\'s authentication is none',
    ]);
  });

  // Moved from the resumes suite (it needs no other process).
  test("documents the resume routes, the upload as multipart, the public fetch's X-API-Token", async () => {
    const spec = await documentOf(facade.app);
    const upload = spec.paths["/api/v1/resumes/upload"]!.post!;
    expect(Object.keys(upload.requestBody.content)).toEqual(["multipart/form-data"]);
    expect(upload.requestBody.content["multipart/form-data"].schema.required).toEqual(["file", "resume_name"]);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/resumes/my-resumes",
        "/api/v1/resumes/{id}",
        "/api/v1/resumes/{id}/rotate-token",
        "/api/v1/resumes/{id}/analytics",
        "/api/v1/shared/public/resume/{permanent_token}",
      ]),
    );
    expect(Object.keys(spec.paths["/api/v1/resumes/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
    const shared = spec.paths["/api/v1/shared/public/resume/{permanent_token}"]!.get!;
    expect(shared.parameters.map((p: { name: string }) => p.name)).toContain("x-api-token");
    // Every route also documents the 500 any request can meet.
    // 422 since issue 13: a malformed X-Viewer-IP or X-Viewer-Email, or an unknown include.
    // 503 since issue 11: the database out of reach (Retry-After), on every route.
    expect(Object.keys(shared.responses).sort()).toEqual(["200", "401", "404", "422", "429", "500", "503"]);
    // Since issue 11: 403, a deactivated account's token is refused before the file is read;
    // 409 and 429, the account's quotas and its uploads per hour.
    expect(Object.keys(upload.responses).sort()).toEqual(["200", "400", "401", "403", "409", "413", "415", "422", "429", "500", "502", "503"]);
  });

  test("every route that takes a bearer token says so, the refresh route says what it takes instead", async () => {
    const spec = await documentOf(facade.app);
    for (const [path, method] of [["/api/v1/auth/me", "get"], ["/api/v1/auth/logout", "post"]] as const) {
      expect(spec.paths[path]![method]!.security).toEqual([{ bearer: [] }]);
    }
    const refresh = spec.paths["/api/v1/auth/refresh"]!.post!;
    expect(refresh.security).toEqual([]);
    expect(refresh.description).toContain("refresh_token in the body");
    expect(refresh.requestBody.content["application/json"].schema.required).toEqual(["refresh_token"]);
  });
});
