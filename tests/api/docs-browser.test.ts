// /docs renders in a real browser: headless Chromium (Debian's `chromium`, at
// /usr/bin/chromium) opens the page from the in-process facade served on a loopback
// port, runs Swagger UI from the facade's own copy, and the DOM it ends with lists every
// operation of /docs/json. Without Chromium the test is skipped (the served assets and
// the document are still checked by docs-page.test.ts and openapi.test.ts); install it
// with `apt-get install -y chromium` to run it. Nothing is downloaded: the browser is
// started with its network features off, and the page asks only the facade.
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { useInProcessFacade } from "../support/facade.ts";

const chromium = "/usr/bin/chromium";
const hasChromium = fs.existsSync(chromium);
const facade = useInProcessFacade();

/**
 * The DOM Chromium has once the page's scripts ran (virtual time: it does not wait for
 * real seconds). Spawned asynchronously: the page is served by this very process.
 */
async function renderedDom(url: string): Promise<string> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-chromium-"));
  try {
    const browser = Bun.spawn(
      [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const killer = setTimeout(() => browser.kill("SIGKILL"), 90_000);
    try {
      const [dom, errors, exitCode] = await Promise.all([new Response(browser.stdout).text(), new Response(browser.stderr).text(), browser.exited]);
      if (exitCode !== 0) throw new Error(`chromium exited ${exitCode}: ${errors}`);
      return dom;
    } finally {
      clearTimeout(killer);
    }
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

describe("/docs in a browser", () => {
  test.skipIf(!hasChromium)(
    hasChromium ? "Swagger UI lists every operation of the document, at /docs and /docs/" : "Swagger UI lists every operation (skipped: no /usr/bin/chromium; apt-get install -y chromium)",
    async () => {
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => facade.app.handle(request) });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const spec = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
        // The page as linked, and as typed with a trailing slash (which once asked /docs/docs/json).
        for (const page of ["/docs", "/docs/"]) {
          const dom = await renderedDom(`${base}${page}`);
          expect(dom).toContain('class="swagger-ui"');
          expect(dom).toContain("PreviewCV / LetsMakeCV API");
          // Each operation is a block with its method and path (Swagger UI's opblock).
          const shown = new Set([...dom.matchAll(/data-path="([^"]+)"/g)].map((match) => match[1]!.replaceAll("&amp;", "&")));
          const missing = Object.keys(spec.paths).filter((pathName) => !shown.has(pathName));
          expect([page, missing]).toEqual([page, []]);
          const blocks = [...dom.matchAll(/class="opblock opblock-(get|post|put|patch|delete)\b/g)].length;
          const operations = Object.values(spec.paths).reduce((count, methods) => count + Object.keys(methods).length, 0);
          expect([page, blocks]).toEqual([page, operations]);
        }
      } finally {
        await server.stop(true);
      }
    },
    120_000,
  );
});
