// OpenAPI at /docs/json (generated from the zod schemas that validate) and the docs page
// at /docs: Swagger UI served from its pinned npm package (swagger-ui-dist), never from a
// CDN, so the page works offline and shows the version this repository tested.
//
// What each operation documents comes from the route itself: path parameters from its
// `params` schema, the body from jsonBody() (json-body.ts), `security` from the `auth` /
// `optionalAuth` macros (caller.ts), and its refusals from documented() below, all with
// the one error schema, ApiErrorBody. tests/api/openapi.test.ts walks the document and
// fails on an operation that leaves any of it out.
import fs from "node:fs";
import path from "node:path";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { z } from "zod";
import { ApiErrorBody } from "../../core/errors.ts";
import { maxJsonBodyBytes } from "../../core/settings.ts";
import { takesJsonBody } from "./json-body.ts";

const swaggerUiDir = path.dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const swaggerUiVersion = (JSON.parse(fs.readFileSync(path.join(swaggerUiDir, "package.json"), "utf8")) as { version: string }).version;

/** The page's two assets, under a versioned path so browsers may cache them for good. */
export const docsAssetsPath = `/docs/assets/swagger-ui-${swaggerUiVersion}`;
const assets = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
} as const;

/**
 * Documented refusals of a route, by status: each answers ApiErrorBody, described by
 * when the route gives it. Spread into the route's `response`.
 */
export function refusals<S extends number>(described: Record<S, string>): Record<S, typeof ApiErrorBody> {
  return Object.fromEntries(Object.entries(described).map(([status, description]) => [status, ApiErrorBody.describe(description as string)])) as Record<
    S,
    typeof ApiErrorBody
  >;
}

type Refusals = Partial<Record<number, string>>;

/** What a route refuses because of how it is declared, whatever it does. */
function refusalsOfTheDeclaration(options: RouteDeclaration): Refusals[] {
  const found: Refusals[] = [
    { 500: "An unexpected failure (logged; the answer carries the request id)" },
    { 503: "The database is unreachable (Retry-After)" },
  ];
  if (options.auth) {
    found.push({
      401: "No valid Supabase access token, or its session has ended (signed out, expired) or its account is gone (WWW-Authenticate: Bearer)",
      403: "The caller's account is deactivated or banned",
    });
  }
  if (options.optionalAuth) {
    found.push({
      401: "A token was sent and is not a valid Supabase access token, or its session has ended (WWW-Authenticate: Bearer)",
      403: "A token was sent and its account is deactivated or banned",
    });
  }
  if (options.auth || options.optionalAuth) found.push({ 503: "The token cannot be checked right now: the project's signing keys are unreachable (Retry-After)" });
  if (takesJsonBody(options)) {
    found.push({ 400: "The body is not JSON, or is cut short", 413: `The body is larger than ${maxJsonBodyBytes} bytes` });
  }
  if (takesJsonBody(options) || options.params || options.query) {
    found.push({ 422: "The request does not fit its schema (body, path or query); `errors` names each problem" });
  }
  return found;
}

interface RouteDeclaration {
  detail?: unknown;
  auth?: boolean;
  optionalAuth?: boolean;
  params?: unknown;
  query?: unknown;
  parse?: unknown;
  response?: Record<number, unknown>;
}

/**
 * A route's options with every refusal it can answer in its `response`: those that
 * follow from its declaration (authentication, a JSON body, a path or query schema, the
 * 500 any route can give) and its own, `own`, by status. Two reasons for one status are
 * both kept, in one description.
 */
export function documented<Options extends RouteDeclaration>(options: Options, own: Refusals = {}): Options {
  const reasons = new Map<number, string[]>();
  for (const described of [...refusalsOfTheDeclaration(options), own]) {
    for (const [status, reason] of Object.entries(described)) {
      if (reason) reasons.set(Number(status), [...(reasons.get(Number(status)) ?? []), reason]);
    }
  }
  const joined = Object.fromEntries([...reasons].sort(([a], [b]) => a - b).map(([status, list]) => [status, list.join("; or ")]));
  return { ...options, response: { ...options.response, ...refusals(joined) } };
}

export function docsPlugin(options: { title: string; version: string; description: string }) {
  // Read once at start-up: a missing file fails the start, not the first visitor.
  const files = Object.fromEntries(Object.keys(assets).map((name) => [name, fs.readFileSync(path.join(swaggerUiDir, name))]));
  return new Elysia({ name: "docs" })
    .use(
      openapi({
        path: "/docs",
        provider: "swagger-ui",
        // Requests are documented as clients send them (the input side of each schema), so
        // transforms (trimming, parsing) do not blank out a body.
        mapJsonSchema: { zod: (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) },
        swagger: {
          // The plugin's default is relative ("docs/json"), which /docs/ would resolve to
          // /docs/docs/json: absolute, like the assets' paths.
          url: "/docs/json",
          version: swaggerUiVersion,
          cdn: `${docsAssetsPath}/swagger-ui-bundle.js`,
          theme: `${docsAssetsPath}/swagger-ui.css`,
          // Swagger UI would send the document to validator.swagger.io by default.
          validatorUrl: null,
        } as Record<string, unknown>,
        documentation: {
          info: { title: options.title, version: options.version, description: options.description },
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
        },
      }),
    )
    .get(
      `${docsAssetsPath}/:file`,
      ({ params, set }) => {
        const type = assets[params.file as keyof typeof assets];
        if (!type) {
          set.status = 404;
          return { success: false, detail: "Not Found" };
        }
        return new Response(files[params.file], { headers: { "Content-Type": type, "Cache-Control": "public, max-age=31536000, immutable" } });
      },
      { detail: { hide: true } },
    );
}
