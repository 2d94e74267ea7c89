// /docs works without the internet: the page loads Swagger UI from the facade itself
// (the pinned swagger-ui-dist package), never from a CDN, and nothing on it points
// elsewhere. In-process: no other service is needed to serve documentation.
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { docsAssetsPath, docsPlugin } from "../../src/api/plugins/docs.ts";
import { projectRoot } from "../../src/local/paths.ts";

const app = docsPlugin({ title: "Test API", version: "1.0.0", description: "docs under test" });
const get = (pathname: string) => app.handle(new Request(`http://localhost${pathname}`));
const pinned = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).dependencies["swagger-ui-dist"] as string;

describe("/docs", () => {
  test("the page loads only the facade's own copies of Swagger UI, of the pinned version", async () => {
    const response = await get("/docs");
    expect(response.status).toBe(200);
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(references.sort()).toEqual([`${docsAssetsPath}/swagger-ui-bundle.js`, `${docsAssetsPath}/swagger-ui.css`]);
    expect(docsAssetsPath).toBe(`/docs/assets/swagger-ui-${pinned}`);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('"validatorUrl":null');
  });

  test("serves the bundle and the stylesheet, cacheable for good (the path carries the version)", async () => {
    for (const [file, type] of [
      ["swagger-ui-bundle.js", "text/javascript"],
      ["swagger-ui.css", "text/css"],
    ] as const) {
      const response = await get(`${docsAssetsPath}/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toStartWith(type);
      expect(response.headers.get("cache-control")).toContain("immutable");
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes).toEqual(new Uint8Array(fs.readFileSync(path.join(projectRoot, "node_modules", "swagger-ui-dist", file))));
    }
  });

  test("nothing else of node_modules can be read through it", async () => {
    for (const file of ["package.json", "..%2F..%2Fpackage.json", "swagger-ui-bundle.js.map", "index.html"]) {
      expect((await get(`${docsAssetsPath}/${file}`)).status).toBe(404);
    }
  });

  test("with or without a trailing slash, every URL the page loads answers (the spec's too)", async () => {
    for (const page of ["/docs", "/docs/"]) {
      const response = await get(page);
      expect([page, response.status]).toEqual([page, 200]);
      const html = await response.text();
      const spec = /"url":"([^"]+)"/.exec(html)?.[1];
      expect(spec).toBeDefined();
      const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
      // Resolved as the browser resolves them, against the page's own URL.
      for (const reference of [spec!, ...references]) {
        const url = new URL(reference, `http://localhost${page}`);
        expect([page, reference, (await get(url.pathname)).status]).toEqual([page, reference, 200]);
      }
    }
  });

  test("the document names the API", async () => {
    const spec = await (await get("/docs/json")).json();
    expect(spec.info).toMatchObject({ title: "Test API", version: "1.0.0" });
    expect(spec.openapi).toStartWith("3.");
  });
});
