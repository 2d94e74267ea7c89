// Admin commands for API tokens (previewcv.com's shared token) and accounts, the same
// SQL functions an admin can run in the Supabase dashboard's SQL editor:
//
//   npm run admin -- token create --name previewcv [--expires-in-days N] [--json]
//   npm run admin -- token list [--json]
//   npm run admin -- token revoke ID [--json]
//   npm run admin -- account deactivate USER_ID --reason TEXT [--by NAME] [--json]
//   npm run admin -- account reactivate USER_ID [--reason TEXT] [--by NAME] [--json]
//   npm run admin -- recruiter verify USER_ID [--reason TEXT] [--by NAME] [--json]
//   npm run admin -- recruiter unverify USER_ID [--reason TEXT] [--by NAME] [--json]
//
// Account changes are recorded in private.account_audit_log with the database role that
// made them and --by NAME, the admin's own name.
//
// Connects with DATABASE_URL as a role that may run private.* (postgres on a hosted
// project: Project Settings > Database > connection string; locally the default, the
// embedded database of `npm start`, on LOCAL_DB_PORT like npm start). The plain token
// is printed once, by create; only its SHA-256 digest is stored.
import postgres from "postgres";
import { databaseErrorOf } from "../src/core/errors.ts";
import { UUID_PATTERN } from "../src/core/validation.ts";
import { localSuperuserUrl, readSettings } from "../src/core/settings.ts";
import { printableDatabaseUrl } from "../src/db/printable-url.ts";

const usage = `Usage:
  admin token create --name NAME [--expires-in-days N] [--json]   create a token; prints it once
  admin token list [--json]                                        every token (never the token itself)
  admin token revoke ID [--json]                                   deactivate a token at once
  admin account deactivate USER_ID --reason TEXT [--by NAME] [--json]
                                   deactivate an account at once: banned, signed out, unlisted
  admin account reactivate USER_ID [--reason TEXT] [--by NAME] [--json]
                                   let it sign in again
  admin recruiter verify USER_ID [--reason TEXT] [--by NAME] [--json]
  admin recruiter unverify USER_ID [--reason TEXT] [--by NAME] [--json]
                                   set the verified badge of the account's recruiter profile

Account changes are recorded (private.account_audit_log) with --by NAME, your own name.

Connects with DATABASE_URL (default: the local database of npm start, on LOCAL_DB_PORT).`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === "json" || name === "help") flags.set(name, true);
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) flags.set(name, argv[++i]!);
    else throw new UsageError(`--${name} needs a value`);
  }
  return { positional, flags };
}

function only(parsed: Parsed, allowed: string[]): void {
  for (const name of parsed.flags.keys()) {
    if (!allowed.includes(name)) throw new UsageError(`Unknown option --${name}`);
  }
}

const iso = (value: unknown) => (value == null ? null : new Date(value as string).toISOString());

type Out = { json: boolean; print(line: string): void };

async function createToken(sql: postgres.Sql, parsed: Parsed, out: Out): Promise<void> {
  only(parsed, ["name", "expires-in-days", "json"]);
  if (parsed.positional.length > 2) throw new UsageError(`Unexpected argument ${parsed.positional[2]}`);
  const name = parsed.flags.get("name");
  if (typeof name !== "string" || name.trim() === "") throw new UsageError("token create needs --name NAME");
  if (name.length > 255) throw new UsageError("--name is at most 255 characters");
  let validUntil: Date | null = null;
  const days = parsed.flags.get("expires-in-days");
  if (days !== undefined) {
    const count = Number(days);
    if (typeof days !== "string" || !/^\d+$/.test(days) || count < 1 || count > 3650) {
      throw new UsageError("--expires-in-days must be a whole number of days from 1 to 3650");
    }
    validUntil = new Date(Date.now() + count * 86_400_000);
  }
  const [created] = await sql`select id, token, token_prefix, expires_at from private.create_api_token(${name}, ${validUntil})`;
  const result = {
    id: Number(created!.id),
    name: name.trim(),
    token: created!.token as string,
    token_prefix: created!.token_prefix as string,
    expires_at: iso(created!.expires_at),
  };
  if (out.json) return out.print(JSON.stringify(result));
  out.print(`Created API token #${result.id} "${result.name}" (${result.expires_at ? `expires ${result.expires_at}` : "does not expire"}).`);
  out.print("Copy it now: it is shown only this once, and only its SHA-256 digest is stored.");
  out.print("");
  out.print(`  ${result.token}`);
  out.print("");
  out.print("previewcv.com sends it as the X-API-Token header. Revoke it with: npm run admin -- token revoke " + result.id);
}

async function listTokens(sql: postgres.Sql, parsed: Parsed, out: Out): Promise<void> {
  only(parsed, ["json"]);
  if (parsed.positional.length > 2) throw new UsageError(`Unexpected argument ${parsed.positional[2]}`);
  const rows = await sql`select * from private.list_api_tokens()`;
  const tokens = rows.map((row) => ({
    id: Number(row.id),
    name: row.token_name as string,
    token_prefix: row.token_prefix as string,
    is_active: row.is_active as boolean,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
  }));
  if (out.json) return out.print(JSON.stringify(tokens));
  if (tokens.length === 0) return out.print("No API tokens. Create one with: npm run admin -- token create --name previewcv");
  const now = Date.now();
  const table = [
    ["ID", "NAME", "PREFIX", "STATE", "CREATED", "EXPIRES", "LAST USED"],
    ...tokens.map((t) => [
      String(t.id),
      t.name,
      `${t.token_prefix}…`,
      !t.is_active ? "revoked" : t.expires_at && Date.parse(t.expires_at) <= now ? "expired" : "active",
      t.created_at ?? "",
      t.expires_at ?? "never",
      t.last_used_at ?? "never",
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  for (const row of table) out.print(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());
}

async function revokeToken(sql: postgres.Sql, parsed: Parsed, out: Out): Promise<number> {
  only(parsed, ["json"]);
  const id = parsed.positional[2];
  if (id === undefined || !/^\d{1,15}$/.test(id)) throw new UsageError("token revoke needs the token's numeric ID (see token list)");
  if (parsed.positional.length > 3) throw new UsageError(`Unexpected argument ${parsed.positional[3]}`);
  const [row] = await sql`select private.revoke_api_token(${Number(id)}) as revoked`;
  const revoked = row?.revoked === true;
  if (out.json) out.print(JSON.stringify({ id: Number(id), revoked }));
  else out.print(revoked ? `Revoked API token #${id}: it is refused from now on.` : `No API token has id ${id}.`);
  return revoked ? 0 : 1;
}

/** USER_ID, --reason and --by of an account command; `reasonRequired` for deactivate. */
function accountArgs(parsed: Parsed, command: string, reasonRequired: boolean): { userId: string; reason: string | null; actor: string | null } {
  only(parsed, ["reason", "by", "json"]);
  const userId = parsed.positional[2];
  if (userId === undefined || !UUID_PATTERN.test(userId)) throw new UsageError(`${command} needs the account's user id (a UUID)`);
  if (parsed.positional.length > 3) throw new UsageError(`Unexpected argument ${parsed.positional[3]}`);
  const text = (name: string, max: number) => {
    const value = parsed.flags.get(name);
    if (value === undefined) return null;
    if (typeof value !== "string" || value.trim() === "") throw new UsageError(`--${name} needs a value`);
    if (value.trim().length > max) throw new UsageError(`--${name} is at most ${max} characters`);
    return value.trim();
  };
  const reason = text("reason", 1000);
  if (reasonRequired && reason === null) throw new UsageError(`${command} needs --reason TEXT (it is recorded)`);
  return { userId, reason, actor: text("by", 255) };
}

async function deactivateAccount(sql: postgres.Sql, parsed: Parsed, out: Out): Promise<void> {
  const { userId, reason, actor } = accountArgs(parsed, "account deactivate", true);
  const [row] = await sql`select * from private.deactivate_account(${userId}, ${reason}, ${actor})`;
  const result = { user_id: userId, was_active: row!.was_active as boolean, sessions_ended: row!.sessions_ended as number, banned_until: iso(row!.banned_until) };
  if (out.json) return out.print(JSON.stringify(result));
  out.print(`Deactivated account ${userId}${result.was_active ? "" : " (it was already inactive)"}: ${result.sessions_ended} session(s) ended, signing in refused.`);
  out.print("Its postings and recruiter profile are unlisted. Undo with: npm run admin -- account reactivate " + userId);
}

async function reactivateAccount(sql: postgres.Sql, parsed: Parsed, out: Out): Promise<void> {
  const { userId, reason, actor } = accountArgs(parsed, "account reactivate", false);
  const [row] = await sql`select * from private.reactivate_account(${userId}, ${reason}, ${actor})`;
  const result = { user_id: userId, was_active: row!.was_active as boolean };
  if (out.json) return out.print(JSON.stringify(result));
  out.print(`Reactivated account ${userId}${result.was_active ? " (it was already active)" : ""}: it may sign in again.`);
}

async function setRecruiterVerified(sql: postgres.Sql, parsed: Parsed, out: Out, verified: boolean): Promise<void> {
  const { userId, reason, actor } = accountArgs(parsed, verified ? "recruiter verify" : "recruiter unverify", false);
  const [row] = verified
    ? await sql`select * from private.verify_recruiter(${userId}, ${reason}, ${actor})`
    : await sql`select * from private.unverify_recruiter(${userId}, ${reason}, ${actor})`;
  const result = { user_id: userId, username: row!.username as string, is_verified: row!.is_verified as boolean, was_verified: row!.was_verified as boolean };
  if (out.json) return out.print(JSON.stringify(result));
  out.print(`Recruiter ${result.username} (${userId}) is ${verified ? "verified" : "no longer verified"}${result.was_verified === verified ? " (no change)" : ""}.`);
}

const commands: Record<string, Record<string, (sql: postgres.Sql, parsed: Parsed, out: Out) => Promise<number | void>>> = {
  token: { create: createToken, list: listTokens, revoke: revokeToken },
  account: { deactivate: deactivateAccount, reactivate: reactivateAccount },
  recruiter: {
    verify: (sql, parsed, out) => setRecruiterVerified(sql, parsed, out, true),
    unverify: (sql, parsed, out) => setRecruiterVerified(sql, parsed, out, false),
  },
};

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const [resource, command] = parsed.positional;
  if (parsed.flags.has("help") || resource === undefined || resource === "help") {
    console.log(usage);
    return parsed.flags.has("help") || resource === "help" ? 0 : 2;
  }
  const run = Object.hasOwn(commands, resource) && Object.hasOwn(commands[resource]!, command ?? "") ? commands[resource]![command!] : undefined;
  if (!run) {
    console.error(`Unknown command: ${parsed.positional.join(" ")}\n\n${usage}`);
    return 2;
  }

  let url: string;
  try {
    const settings = readSettings("admin", (name) => env[name]);
    url = settings.DATABASE_URL ?? localSuperuserUrl(settings.LOCAL_DB_PORT);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {}, prepare: !/:6543\//.test(url) });
  const out: Out = { json: parsed.flags.has("json"), print: (line) => console.log(line) };
  try {
    return (await run(sql, parsed, out)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      return 2;
    }
    const code = databaseErrorOf(error)?.code;
    if (code === "P0002" || code === "22023") {
      // The admin functions' own refusals: no such account, no recruiter profile, a bad reason.
      const message = (error as Error).message;
      console.error(`${message.charAt(0).toUpperCase()}${message.slice(1)}.`);
    } else if (code === "42501" || code === "3F000" || code === "42883") {
      console.error(
        `The database refused: ${(error as Error).message}\n` +
          `DATABASE_URL (${printableDatabaseUrl(url)}) must be a role that may run the private.* admin functions: postgres ` +
          "(the dashboard's connection string), not the servers' previewcv_api role nor PostgREST's authenticator.",
      );
    } else if (code === "ECONNREFUSED" || code === "CONNECT_TIMEOUT" || code === "ENOTFOUND") {
      console.error(`Cannot reach the database at ${printableDatabaseUrl(url)} (${code}). Is \`npm start\` running, or is DATABASE_URL right?`);
    } else {
      console.error(`Failed: ${(error as Error).message ?? String(error)}`);
    }
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
