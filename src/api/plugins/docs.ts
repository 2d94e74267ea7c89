// OpenAPI at /docs/json (generated from the zod schemas that validate) and the docs page
// at /docs: Swagger UI served from its pinned npm package (swagger-ui-dist), never from a
// CDN, so the page works offline and shows the version this repository tested.
import fs from "node:fs";
import path from "node:path";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { z } from "zod";

const swaggerUiDir = path.dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const swaggerUiVersion = (JSON.parse(fs.readFileSync(path.join(swaggerUiDir, "package.json"), "utf8")) as { version: string }).version;

/** The page's two assets, under a versioned path so browsers may cache them for good. */
export const docsAssetsPath = `/docs/assets/swagger-ui-${swaggerUiVersion}`;
const assets = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
} as const;

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
