// Who may do what to notifications, webhook endpoints, deliveries and attempts, the
// functions around them, and the worker's private tables: per persona, as PostgREST
// applies it. The owner reads their own rows (never an endpoint's secret), marks
// notifications read, edits and deletes their endpoints; a stranger and anon see nothing;
// a deactivated account and a signed-out token (A's own claims, session gone) can do
// nothing, to A's rows least of all.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Transaction } from "../../src/db/client.ts";
import { attempt, noPrivilege, nothing, refused, rows, runMatrix, sees, type MatrixRow } from "../support/rls.ts";
import { refusedPersonas, rlsWorld, type Persona, type World } from "../support/world.ts";

let world: World;
const ids = { nA1: 0, nA2: 0, nR: 0, eA: 0, eR: 0, dA: 0, dR: 0, aA: 0, aR: 0 };

beforeAll(async () => {
  world = await rlsWorld();
  const { superuser } = world;
  const A = world.users["candidate A"].id;
  const R = world.users["recruiter R"].id;
  const notification = async (user: string, title: string) => {
    const [row] = await superuser`
      insert into public.notifications (user_id, type, title, body, data)
      values (${user}, 'application.created', ${title}, 'Body', '{"job_id": 1}') returning id`;
    return Number(row!.id);
  };
  ids.nA1 = await notification(A, "A one");
  ids.nA2 = await notification(A, "A two");
  ids.nR = await notification(R, "R one");
  const endpoint = async (user: string) => {
    const [row] = await superuser`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${user}, 'https://hooks.example.com/in', '{application.created}', ${crypto.getRandomValues(new Uint8Array(60))}, 'test')
      returning id`;
    return Number(row!.id);
  };
  ids.eA = await endpoint(A);
  ids.eR = await endpoint(R);
  const delivery = async (endpointId: number, user: string) => {
    // Failed already, so no worker of another suite would try it.
    const [row] = await superuser`
      insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status)
      values (${endpointId}, ${user}, 'application.created', '{"type": "application.created"}', 'failed') returning id`;
    const [attempted] = await superuser`
      insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms, status_code)
      values (${row!.id}, ${user}, 1, 12, 500) returning id`;
    return [Number(row!.id), Number(attempted!.id)] as const;
  };
  [ids.dA, ids.aA] = await delivery(ids.eA, A);
  [ids.dR, ids.aR] = await delivery(ids.eR, R);
});

const notificationIds = () => [ids.nA1, ids.nA2, ids.nR];

describe("notifications", () => {
  const actions = {
    "list notifications": (tx: Transaction) => tx`select id from public.notifications where id = any(${notificationIds()})`,
    "read R's notification": (tx: Transaction) => tx`select id from public.notifications where id = ${ids.nR}`,
    "mark own read": (tx: Transaction) => tx`update public.notifications set read_at = now() where id = ${ids.nA1} returning id`,
    "mark all own read": (tx: Transaction) => tx`update public.notifications set read_at = now() where id = any(${notificationIds()}) returning id`,
    "mark R's read": (tx: Transaction) => tx`update public.notifications set read_at = now() where id = ${ids.nR} returning id`,
    "rewrite own title": (tx: Transaction) => tx`update public.notifications set title = 'Forged' where id = ${ids.nA1} returning id`,
    "hand own to B": (tx: Transaction) => tx`update public.notifications set user_id = ${world.users["candidate B"].id} where id = ${ids.nA1} returning id`,
    "notify someone": (tx: Transaction) =>
      tx`insert into public.notifications (user_id, type, title, body) values (${world.users["candidate A"].id}, 'resume.viewed', 'Fake', 'Fake') returning id`,
    "delete own": (tx: Transaction) => tx`delete from public.notifications where id = ${ids.nA1} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list notifications",    noPrivilege("table notifications")],
    ["anon",        "mark R's read",         noPrivilege("table notifications")],
    ["anon",        "notify someone",        noPrivilege("table notifications")],
    ["candidate A", "list notifications",    sees(ids.nA1, ids.nA2)],
    ["candidate A", "read R's notification", nothing],
    ["candidate A", "mark own read",         rows(1)],
    ["candidate A", "mark all own read",     sees(ids.nA1, ids.nA2)],
    ["candidate A", "mark R's read",         nothing],
    ["candidate A", "rewrite own title",     noPrivilege("table notifications")],
    ["candidate A", "hand own to B",         noPrivilege("table notifications")],
    ["candidate A", "notify someone",        noPrivilege("table notifications")],
    ["candidate A", "delete own",            noPrivilege("table notifications")],
    ["candidate B", "list notifications",    nothing],
    ["candidate B", "mark all own read",     nothing],
    ["recruiter R", "list notifications",    sees(ids.nR)],
    ["recruiter R", "mark R's read",         rows(1)],
    ["recruiter S", "list notifications",    nothing],
    ["recruiter S", "mark R's read",         nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list notifications",    nothing],
      [p, "read R's notification", nothing],
      [p, "mark own read",         nothing],
      [p, "mark all own read",     nothing],
      [p, "mark R's read",         nothing],
      [p, "rewrite own title",     noPrivilege("table notifications")],
      [p, "hand own to B",         noPrivilege("table notifications")],
      [p, "notify someone",        noPrivilege("table notifications")],
      [p, "delete own",            noPrivilege("table notifications")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("read_at is the moment of reading, whatever the client sends, and the first one stays", async () => {
    const outcome = await attempt(world.api, world.callers["candidate A"], async (tx) => {
      const [first] = await tx`update public.notifications set read_at = '2000-01-01T00:00:00Z' where id = ${ids.nA2} returning read_at, now() as now`;
      const [again] = await tx`update public.notifications set read_at = '2999-01-01T00:00:00Z' where id = ${ids.nA2} returning read_at`;
      const [unread] = await tx`update public.notifications set read_at = null where id = ${ids.nA2} returning read_at`;
      return [{ first: first!.read_at, now: first!.now, again: again!.read_at, unread: unread!.read_at }];
    });
    if (!outcome.ok) throw new Error(outcome.message);
    const row = outcome.rows[0]!;
    expect(row.first).toEqual(row.now);
    expect(row.again).toEqual(row.first);
    expect(row.unread).toBeNull();
  });

  test("is in the supabase_realtime publication, so supabase-js receives new ones live (under the same select policy)", async () => {
    const published = await world.superuser`
      select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime' order by 1, 2`;
    expect([...published]).toEqual([{ schemaname: "public", tablename: "notifications" }]);
  });
});

describe("webhook_endpoints", () => {
  const endpointIds = () => [ids.eA, ids.eR];
  const actions = {
    "list endpoints": (tx: Transaction) => tx`select id, url, event_types, is_active from public.webhook_endpoints where id = any(${endpointIds()})`,
    "read own secret": (tx: Transaction) => tx`select id, secret_ciphertext from public.webhook_endpoints where id = ${ids.eA}`,
    "select * own": (tx: Transaction) => tx`select * from public.webhook_endpoints where id = ${ids.eA}`,
    "register one directly": (tx: Transaction, p: Persona) =>
      tx`insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
         values (${world.users[p as Exclude<Persona, "anon">]?.id ?? null}, 'https://10.0.0.1/', '{resume.viewed}', ${new Uint8Array(60)}, 'x') returning id`,
    "re-point own url": (tx: Transaction) => tx`update public.webhook_endpoints set url = 'https://169.254.169.254/' where id = ${ids.eA} returning id`,
    "rename own": (tx: Transaction) => tx`update public.webhook_endpoints set description = 'Mine' where id = ${ids.eA} returning id`,
    "switch own off": (tx: Transaction) => tx`update public.webhook_endpoints set is_active = false where id = ${ids.eA} returning id`,
    "change own event types": (tx: Transaction) =>
      tx`update public.webhook_endpoints set event_types = '{resume.viewed,job_posting.closed}' where id = ${ids.eA} returning id`,
    "clear own failure state": (tx: Transaction) => tx`update public.webhook_endpoints set last_success_at = now() where id = ${ids.eA} returning id`,
    "rename R's": (tx: Transaction) => tx`update public.webhook_endpoints set description = 'Hacked' where id = ${ids.eR} returning id`,
    "delete R's": (tx: Transaction) => tx`delete from public.webhook_endpoints where id = ${ids.eR} returning id`,
    "delete own": (tx: Transaction) => tx`delete from public.webhook_endpoints where id = ${ids.eA} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list endpoints",          noPrivilege("table webhook_endpoints")],
    ["anon",        "register one directly",   noPrivilege("table webhook_endpoints")],
    ["anon",        "delete R's",              noPrivilege("table webhook_endpoints")],
    ["candidate A", "list endpoints",          sees(ids.eA)],
    ["candidate A", "read own secret",         noPrivilege("table webhook_endpoints")],
    ["candidate A", "select * own",            noPrivilege("table webhook_endpoints")],
    ["candidate A", "register one directly",   noPrivilege("table webhook_endpoints")],
    ["candidate A", "re-point own url",        noPrivilege("table webhook_endpoints")],
    ["candidate A", "rename own",              rows(1)],
    ["candidate A", "switch own off",          rows(1)],
    ["candidate A", "change own event types",  rows(1)],
    ["candidate A", "clear own failure state", noPrivilege("table webhook_endpoints")],
    ["candidate A", "rename R's",              nothing],
    ["candidate A", "delete R's",              nothing],
    ["candidate A", "delete own",              rows(1)],
    ["candidate B", "list endpoints",          nothing],
    ["candidate B", "rename R's",              nothing],
    ["recruiter R", "list endpoints",          sees(ids.eR)],
    ["recruiter R", "delete R's",              rows(1)],
    ["recruiter S", "list endpoints",          nothing],
    ["recruiter S", "delete R's",              nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list endpoints",          nothing],
      [p, "read own secret",         noPrivilege("table webhook_endpoints")],
      [p, "select * own",            noPrivilege("table webhook_endpoints")],
      [p, "register one directly",   noPrivilege("table webhook_endpoints")],
      [p, "re-point own url",        noPrivilege("table webhook_endpoints")],
      [p, "rename own",              nothing],
      [p, "switch own off",          nothing],
      [p, "change own event types",  nothing],
      [p, "clear own failure state", noPrivilege("table webhook_endpoints")],
      [p, "rename R's",              nothing],
      [p, "delete R's",              nothing],
      [p, "delete own",              nothing],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("webhook_deliveries, webhook_delivery_attempts", () => {
  const actions = {
    "list deliveries": (tx: Transaction) => tx`select id from public.webhook_deliveries where id = any(${[ids.dA, ids.dR]})`,
    "list attempts": (tx: Transaction) => tx`select id from public.webhook_delivery_attempts where id = any(${[ids.aA, ids.aR]})`,
    "mark own delivered": (tx: Transaction) => tx`update public.webhook_deliveries set status = 'succeeded' where id = ${ids.dA} returning id`,
    "forge a delivery": (tx: Transaction, p: Persona) =>
      tx`insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload)
         values (${ids.eA}, ${world.users[p as Exclude<Persona, "anon">]?.id ?? null}, 'resume.viewed', '{}') returning id`,
    "forge an attempt": (tx: Transaction, p: Persona) =>
      tx`insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms)
         values (${ids.dA}, ${world.users[p as Exclude<Persona, "anon">]?.id ?? null}, 9, 1) returning id`,
    "erase own history": (tx: Transaction) => tx`delete from public.webhook_delivery_attempts where id = ${ids.aA} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list deliveries",    noPrivilege("table webhook_deliveries")],
    ["anon",        "list attempts",      noPrivilege("table webhook_delivery_attempts")],
    ["candidate A", "list deliveries",    sees(ids.dA)],
    ["candidate A", "list attempts",      sees(ids.aA)],
    ["candidate A", "mark own delivered", noPrivilege("table webhook_deliveries")],
    ["candidate A", "forge a delivery",   noPrivilege("table webhook_deliveries")],
    ["candidate A", "forge an attempt",   noPrivilege("table webhook_delivery_attempts")],
    ["candidate A", "erase own history",  noPrivilege("table webhook_delivery_attempts")],
    ["candidate B", "list deliveries",    nothing],
    ["candidate B", "list attempts",      nothing],
    ["recruiter R", "list deliveries",    sees(ids.dR)],
    ["recruiter R", "list attempts",      sees(ids.aR)],
    ["recruiter S", "list deliveries",    nothing],
    ["recruiter S", "list attempts",      nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list deliveries",    nothing],
      [p, "list attempts",      nothing],
      [p, "mark own delivered", noPrivilege("table webhook_deliveries")],
      [p, "forge a delivery",   noPrivilege("table webhook_deliveries")],
      [p, "forge an attempt",   noPrivilege("table webhook_delivery_attempts")],
      [p, "erase own history",  noPrivilege("table webhook_delivery_attempts")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("the webhook functions", () => {
  const sealed = () => crypto.getRandomValues(new Uint8Array(60));
  const actions = {
    "register through the facade's function": (tx: Transaction) =>
      tx`select private.create_webhook_endpoint('https://hooks.example.com/new', '{resume.viewed}', 'New', ${sealed()}, 'test') as id`,
    "re-point R's endpoint": (tx: Transaction) =>
      tx`select ok as id from (select private.set_webhook_endpoint_url(${ids.eR}, 'https://attacker.example.com/') as ok) s where ok`,
    "re-point own endpoint": (tx: Transaction) =>
      tx`select ok as id from (select private.set_webhook_endpoint_url(${ids.eA}, 'https://hooks.example.com/moved') as ok) s where ok`,
    "rotate R's secret": (tx: Transaction) =>
      tx`select until as id from (select private.rotate_webhook_endpoint_secret(${ids.eR}, ${sealed()}, 'test', 60) as until) s where until is not null`,
    "rotate own secret": (tx: Transaction) =>
      tx`select until as id from (select private.rotate_webhook_endpoint_secret(${ids.eA}, ${sealed()}, 'test', 60) as until) s where until is not null`,
    "redeliver own": (tx: Transaction) => tx`select delivery_id as id from public.redeliver_webhook(${ids.dA})`,
    "redeliver R's": (tx: Transaction) => tx`select delivery_id as id from public.redeliver_webhook(${ids.dR})`,
    "claim deliveries like the worker": (tx: Transaction) => tx`select delivery_id as id from private.worker_claim_webhook_deliveries(10, 60)`,
    "tell events like the worker": (tx: Transaction) => tx`select private.worker_fan_out_events(10) as id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "register through the facade's function", noPrivilege("function create_webhook_endpoint")],
    ["anon",        "redeliver R's",                          noPrivilege("function redeliver_webhook")],
    ["anon",        "claim deliveries like the worker",       noPrivilege("function worker_claim_webhook_deliveries")],
    ["candidate A", "register through the facade's function", rows(1)],
    ["candidate A", "re-point R's endpoint",                  nothing],
    ["candidate A", "rotate R's secret",                      nothing],
    ["candidate A", "rotate own secret",                      rows(1)],
    ["candidate A", "redeliver own",                          sees(ids.dA)],
    ["candidate A", "redeliver R's",                          nothing],
    ["candidate A", "claim deliveries like the worker",       noPrivilege("function worker_claim_webhook_deliveries")],
    ["candidate A", "tell events like the worker",            noPrivilege("function worker_fan_out_events")],
    ["recruiter R", "redeliver R's",                          sees(ids.dR)],
    ["recruiter S", "re-point R's endpoint",                  nothing],
    ["recruiter S", "redeliver R's",                          nothing],
    ["candidate A", "re-point own endpoint",                  rows(1)],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "register through the facade's function", refused("42501", /^sign in to register a webhook endpoint$/)],
      [p, "re-point own endpoint",                  nothing],
      [p, "re-point R's endpoint",                  nothing],
      [p, "rotate own secret",                      nothing],
      [p, "rotate R's secret",                      nothing],
      [p, "redeliver own",                          nothing],
      [p, "redeliver R's",                          nothing],
      [p, "claim deliveries like the worker",       noPrivilege("function worker_claim_webhook_deliveries")],
      [p, "tell events like the worker",            noPrivilege("function worker_fan_out_events")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("the worker's private tables", () => {
  const tables = ["events", "pending_resume_views", "resume_view_batches", "job_posting_expiries"] as const;
  const actions = Object.fromEntries(
    tables.flatMap((table) => [
      [`read private.${table}`, (tx: Transaction) => tx`select * from ${tx("private." + table)} limit 1`],
      [`empty private.${table}`, (tx: Transaction) => tx`delete from ${tx("private." + table)} returning 1 as id`],
    ]),
  ) as Record<string, (tx: Transaction) => Promise<readonly Record<string, unknown>[]>>;
  const personas: Persona[] = ["anon", "candidate A", "recruiter R", ...refusedPersonas];

  const matrix = (): MatrixRow<Persona, string>[] =>
    personas.flatMap((persona) =>
      tables.flatMap((table): MatrixRow<Persona, string>[] => [
        [persona, `read private.${table}`, noPrivilege(`table ${table}`)],
        [persona, `empty private.${table}`, noPrivilege(`table ${table}`)],
      ]),
    );

  test("matrix: no API role can touch them", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("have row-level security on, with no policy", async () => {
    const rows = await world.superuser`
      select c.relname, c.relrowsecurity, (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'private' and c.relname = any(${tables as unknown as string[]})
       order by 1`;
    expect(rows.map((row) => [row.relname, row.relrowsecurity, row.policies])).toEqual(
      [...tables].sort().map((table) => [table, true, 0]),
    );
  });
});
