// The stand-in's rows: auth.users, auth.identities, auth.sessions, auth.refresh_tokens,
// written the way Supabase Auth writes them (same columns, same order of statements,
// so triggers on auth.users see what they would see in production).
//
// Every function takes a transaction: the HTTP handlers decide where one begins and ends.
import { base64url } from "jose";
import type postgres from "postgres";
import type { Transaction } from "../../db/client.ts";

/** A jsonb parameter (postgres.js serialises it; a pre-stringified value would be stored as a JSON string). */
function jsonb(tx: Transaction, value: Record<string, unknown>) {
  return tx.json(value as postgres.JSONValue);
}

/** GoTrue's single instance id (every row it writes carries the nil uuid). */
export const instanceId = "00000000-0000-0000-0000-000000000000";

// Timestamps leave the database as RFC 3339 text in UTC, as GoTrue prints them.
const rfc3339 = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/** A user as GoTrue serialises models.User, plus what the handlers need to decide. */
export interface StoredUser {
  json: GoTrueUserJson;
  banned: boolean;
  hasPasswordHash: boolean;
  emailConfirmed: boolean;
}

export type GoTrueUserJson = Record<string, unknown> & {
  id: string;
  aud: string;
  role: string;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  is_anonymous: boolean;
};

interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  phone: string | null;
  email_confirmed_at: string | null;
  invited_at: string | null;
  phone_confirmed_at: string | null;
  confirmation_sent_at: string | null;
  confirmed_at: string | null;
  recovery_sent_at: string | null;
  email_change: string | null;
  email_change_sent_at: string | null;
  phone_change: string | null;
  phone_change_sent_at: string | null;
  reauthentication_sent_at: string | null;
  last_sign_in_at: string | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: string | null;
  updated_at: string | null;
  banned_until: string | null;
  deleted_at: string | null;
  is_anonymous: boolean;
  banned: boolean;
  has_password_hash: boolean;
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown> | null;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

/** The user with this id and its identities, or undefined. */
export async function findUserById(tx: Transaction, id: string): Promise<StoredUser | undefined> {
  const [row] = await tx<UserRow[]>`
    select id, aud, role, email, phone,
           to_char(email_confirmed_at at time zone 'UTC', ${rfc3339}) as email_confirmed_at,
           to_char(invited_at at time zone 'UTC', ${rfc3339}) as invited_at,
           to_char(phone_confirmed_at at time zone 'UTC', ${rfc3339}) as phone_confirmed_at,
           to_char(confirmation_sent_at at time zone 'UTC', ${rfc3339}) as confirmation_sent_at,
           to_char(confirmed_at at time zone 'UTC', ${rfc3339}) as confirmed_at,
           to_char(recovery_sent_at at time zone 'UTC', ${rfc3339}) as recovery_sent_at,
           email_change,
           to_char(email_change_sent_at at time zone 'UTC', ${rfc3339}) as email_change_sent_at,
           phone_change,
           to_char(phone_change_sent_at at time zone 'UTC', ${rfc3339}) as phone_change_sent_at,
           to_char(reauthentication_sent_at at time zone 'UTC', ${rfc3339}) as reauthentication_sent_at,
           to_char(last_sign_in_at at time zone 'UTC', ${rfc3339}) as last_sign_in_at,
           raw_app_meta_data, raw_user_meta_data,
           to_char(created_at at time zone 'UTC', ${rfc3339}) as created_at,
           to_char(updated_at at time zone 'UTC', ${rfc3339}) as updated_at,
           to_char(banned_until at time zone 'UTC', ${rfc3339}) as banned_until,
           to_char(deleted_at at time zone 'UTC', ${rfc3339}) as deleted_at,
           is_anonymous,
           coalesce(banned_until > now(), false) as banned,
           coalesce(encrypted_password like '$2%', false) as has_password_hash
      from auth.users
     where instance_id = ${instanceId} and id = ${id}`;
  if (!row) return undefined;
  const identities = await tx<IdentityRow[]>`
    select id, provider_id, user_id, identity_data, provider, email,
           to_char(last_sign_in_at at time zone 'UTC', ${rfc3339}) as last_sign_in_at,
           to_char(created_at at time zone 'UTC', ${rfc3339}) as created_at,
           to_char(updated_at at time zone 'UTC', ${rfc3339}) as updated_at
      from auth.identities
     where user_id = ${id}
     order by created_at, id`;
  return {
    json: userJson(row, identities),
    banned: row.banned,
    hasPasswordHash: row.has_password_hash,
    emailConfirmed: row.email_confirmed_at !== null,
  };
}

/** The id of the account with this email in this audience (GoTrue: FindUserByEmailAndAudience). */
export async function findUserIdByEmail(tx: Transaction, email: string, aud: string): Promise<string | undefined> {
  const [row] = await tx<{ id: string }[]>`
    select id from auth.users
     where instance_id = ${instanceId} and lower(email) = ${email.toLowerCase()} and aud = ${aud} and is_sso_user = false
     limit 1`;
  return row?.id;
}

/** Does this password match the user's bcrypt hash? (pgcrypto's crypt, like Go's bcrypt.) */
export async function passwordMatches(tx: Transaction, userId: string, password: string): Promise<boolean> {
  const [row] = await tx<{ matches: boolean }[]>`
    select case when encrypted_password like '$2%'
                then extensions.crypt(${password}, encrypted_password) = encrypted_password
                else false end as matches
      from auth.users where id = ${userId}`;
  return row?.matches ?? false;
}

export interface NewUser {
  id: string;
  aud: string;
  role: string;
  email: string;
  /** Hashed in the database with bcrypt at `bcryptCost`; or an existing bcrypt hash. */
  password: { plain: string; bcryptCost: number } | { bcryptHash: string };
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
}

/**
 * Inserts the user (firing our on-insert triggers), as GoTrue's tx.Create(user): not yet
 * confirmed, no last sign-in. Throws the database error when a trigger or index refuses.
 */
export async function insertUser(tx: Transaction, user: NewUser): Promise<void> {
  const passwordHash =
    "plain" in user.password
      ? tx`extensions.crypt(${user.password.plain}, extensions.gen_salt('bf', ${user.password.bcryptCost}::int))`
      : tx`${user.password.bcryptHash}`;
  await tx`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                            is_sso_user, is_anonymous)
    values (${instanceId}, ${user.id}, ${user.aud}, ${user.role}, ${user.email}, ${passwordHash},
            ${jsonb(tx, user.appMetadata)}, ${jsonb(tx, user.userMetadata)}, now(), now(),
            false, false)`;
}

/** The email identity GoTrue creates beside every email user (provider_id = the user id). */
export async function insertEmailIdentity(tx: Transaction, userId: string, identityData: Record<string, unknown>): Promise<void> {
  await tx`
    insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (${crypto.randomUUID()}, ${userId}, ${userId}, ${jsonb(tx, identityData)}, 'email', now(), now(), now())`;
}

/**
 * GoTrue's user.Confirm: email confirmed now, and user_metadata.email_verified = true.
 * GoTrue writes the whole user_metadata it holds in memory. After a sign-up it has
 * reloaded the row (so changes our insert triggers made stay); the admin API has not,
 * so it writes back the metadata the admin sent: pass that as `metadataInMemory`.
 */
export async function confirmEmail(tx: Transaction, userId: string, metadataInMemory?: Record<string, unknown>): Promise<void> {
  if (metadataInMemory) {
    await tx`
      update auth.users
         set confirmation_token = '', email_confirmed_at = now(),
             raw_user_meta_data = ${jsonb(tx, { ...metadataInMemory, email_verified: true })}, updated_at = now()
       where id = ${userId}`;
    return;
  }
  await tx`
    update auth.users
       set confirmation_token = '', email_confirmed_at = now(),
           raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb,
           updated_at = now()
     where id = ${userId}`;
}

/** Merges app_metadata the way GoTrue's UpdateAppMetaData does (top-level keys; null deletes a key). */
export async function mergeAppMetadata(tx: Transaction, userId: string, updates: Record<string, unknown>): Promise<void> {
  const [row] = await tx<{ raw_app_meta_data: Record<string, unknown> | null }[]>`select raw_app_meta_data from auth.users where id = ${userId}`;
  const merged = mergeTopLevel(row?.raw_app_meta_data ?? {}, updates);
  await tx`update auth.users set raw_app_meta_data = ${jsonb(tx, merged)}, updated_at = now() where id = ${userId}`;
}

/**
 * Merges user_metadata the way GoTrue's UpdateUserMetaData does (top-level keys; null
 * deletes a key). Our update trigger then drops a recruiter_profile block, as on any write.
 */
export async function mergeUserMetadata(tx: Transaction, userId: string, updates: Record<string, unknown>): Promise<void> {
  const [row] = await tx<{ raw_user_meta_data: Record<string, unknown> | null }[]>`select raw_user_meta_data from auth.users where id = ${userId}`;
  const merged = mergeTopLevel(row?.raw_user_meta_data ?? {}, updates);
  await tx`update auth.users set raw_user_meta_data = ${jsonb(tx, merged)}, updated_at = now() where id = ${userId}`;
}

function mergeTopLevel(current: Record<string, unknown>, updates: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Locks the user's row for this transaction: updates of one user run one at a time. */
export async function lockUser(tx: Transaction, userId: string): Promise<void> {
  await tx`select 1 from auth.users where id = ${userId} for update`;
}

/**
 * Another account that holds this email in this audience, by its email identity or its
 * own email (GoTrue's IsDuplicatedEmail, which a change of email must not collide with).
 */
export async function findOtherUserIdWithEmail(tx: Transaction, email: string, aud: string, userId: string): Promise<string | undefined> {
  const lowered = email.toLowerCase();
  const [row] = await tx<{ id: string }[]>`
    select u.id from auth.users u
     where u.instance_id = ${instanceId} and u.aud = ${aud} and u.id <> ${userId}
       and ((lower(u.email) = ${lowered} and u.is_sso_user = false)
            or exists (select 1 from auth.identities i where i.user_id = u.id and i.email = ${lowered}))
     limit 1`;
  return row?.id;
}

/**
 * A new password, as GoTrue's UpdatePassword writes it: every pending token and its
 * sent-at time is cleared, since the old password may no longer be trusted.
 */
export async function setPassword(tx: Transaction, userId: string, password: { plain: string; bcryptCost: number }): Promise<void> {
  await tx`
    update auth.users
       set encrypted_password = extensions.crypt(${password.plain}, extensions.gen_salt('bf', ${password.bcryptCost}::int)),
           confirmation_token = '', confirmation_sent_at = null, recovery_token = '', recovery_sent_at = null,
           email_change_token_current = '', email_change_token_new = '', email_change_sent_at = null,
           phone_change_token = '', phone_change_sent_at = null, reauthentication_token = '', reauthentication_sent_at = null,
           updated_at = now()
     where id = ${userId}`;
}

/**
 * A pending change of email, as GoTrue's sendEmailChange records it: the new address in
 * email_change and the hashes of the codes the confirmation emails would carry (to the
 * new address, and with double confirmation to the current one too). users.email stays
 * as it is until the change is confirmed.
 */
export async function recordEmailChange(tx: Transaction, userId: string, newEmail: string, options: { currentEmail: string; doubleConfirm: boolean }): Promise<void> {
  // GoTrue's token hash: hex SHA-224 of the address followed by its one-time code.
  const tokenHash = (address: string) => tx`encode(extensions.digest(${address + oneTimeCode()}, 'sha224'), 'hex')`;
  const currentToken = options.doubleConfirm && options.currentEmail !== "" ? tokenHash(options.currentEmail) : tx`''`;
  await tx`
    update auth.users
       set email_change = ${newEmail}, email_change_token_new = ${tokenHash(newEmail)}, email_change_token_current = ${currentToken},
           email_change_confirm_status = 0, email_change_sent_at = now(), updated_at = now()
     where id = ${userId}`;
}

/** Six random digits, GoTrue's default OTP length. */
function oneTimeCode(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => String(byte % 10)).join("");
}

/** GoTrue's SetRole. */
export async function setRole(tx: Transaction, userId: string, role: string): Promise<void> {
  await tx`update auth.users set role = ${role}, updated_at = now() where id = ${userId}`;
}

/**
 * The admin API's change of email, at once: the email identity follows (created when
 * the user has none), with email_verified as the admin said, then users.email.
 */
export async function setEmail(tx: Transaction, userId: string, email: string, options: { verified: boolean }): Promise<void> {
  const claims = { email, email_verified: options.verified };
  const [identity] = await tx<{ id: string }[]>`select id from auth.identities where user_id = ${userId} and provider = 'email' limit 1`;
  if (identity) {
    await tx`
      update auth.identities set identity_data = identity_data || ${jsonb(tx, claims)} where id = ${identity.id}`;
  } else {
    await insertEmailIdentity(tx, userId, { sub: userId, ...claims, phone_verified: false });
  }
  await tx`update auth.users set email = ${email}, updated_at = now() where id = ${userId}`;
}

/** GoTrue's Ban: banned_until moves `durationMs` from now; 0 lifts the ban. */
export async function banUser(tx: Transaction, userId: string, durationMs: number): Promise<void> {
  if (durationMs === 0) {
    await tx`update auth.users set banned_until = null, updated_at = now() where id = ${userId}`;
  } else {
    await tx`update auth.users set banned_until = now() + make_interval(secs => ${durationMs / 1000}), updated_at = now() where id = ${userId}`;
  }
}

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

export interface SessionRow {
  id: string;
  user_id: string;
  aal: string | null;
  created_at_epoch: number;
  expired: boolean;
}

/**
 * A new session with its first refresh token, and the user's last sign-in set to now
 * (GoTrue's IssueRefreshToken; our trigger copies last_sign_in_at to profiles.last_login).
 */
export async function startSession(tx: Transaction, userId: string, client: ClientInfo): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = crypto.randomUUID();
  await tx`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
    values (${sessionId}, ${userId}, now(), now(), 'aal1', ${client.userAgent ?? null}, ${client.ip ?? null}::inet)`;
  const refreshToken = await insertRefreshToken(tx, userId, sessionId, null);
  await tx`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${userId}`;
  return { sessionId, refreshToken };
}

/** The session, locked for this transaction (refreshes of one session run one at a time). */
export async function lockSession(tx: Transaction, sessionId: string): Promise<SessionRow | undefined> {
  const [row] = await tx<SessionRow[]>`
    select id, user_id, aal,
           extract(epoch from created_at)::float8 as created_at_epoch,
           coalesce(not_after < now(), false) as expired
      from auth.sessions where id = ${sessionId}
       for update`;
  return row ? { ...row, created_at_epoch: Math.floor(Number(row.created_at_epoch)) } : undefined;
}

export async function findSession(tx: Transaction, sessionId: string): Promise<SessionRow | undefined> {
  const [row] = await tx<SessionRow[]>`
    select id, user_id, aal,
           extract(epoch from created_at)::float8 as created_at_epoch,
           coalesce(not_after < now(), false) as expired
      from auth.sessions where id = ${sessionId}`;
  return row ? { ...row, created_at_epoch: Math.floor(Number(row.created_at_epoch)) } : undefined;
}

/** GoTrue's session bookkeeping on refresh (UpdateOnlyRefreshInfo). */
export async function touchSession(tx: Transaction, sessionId: string, client: ClientInfo): Promise<void> {
  await tx`
    update auth.sessions
       set refreshed_at = now() at time zone 'UTC', updated_at = now(),
           user_agent = ${client.userAgent ?? null}, ip = ${client.ip ?? null}::inet
     where id = ${sessionId}`;
}

export interface RefreshTokenRow {
  id: number;
  token: string;
  user_id: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  /** Seconds since the row last changed: a revoked token's age is measured from its revocation. */
  seconds_since_update: number;
}

export async function findRefreshToken(tx: Transaction, token: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await tx<RefreshTokenRow[]>`
    select id::float8 as id, token, user_id, coalesce(revoked, false) as revoked, parent, session_id,
           extract(epoch from now() - updated_at)::float8 as seconds_since_update
      from auth.refresh_tokens where token = ${token}`;
  return row ? { ...row, id: Number(row.id), seconds_since_update: Number(row.seconds_since_update) } : undefined;
}

/** The session's newest token that is not revoked (GoTrue: FindCurrentlyActiveRefreshToken). */
export async function activeRefreshToken(tx: Transaction, sessionId: string): Promise<{ token: string; parent: string | null } | undefined> {
  const [row] = await tx<{ token: string; parent: string | null }[]>`
    select token, parent from auth.refresh_tokens
     where session_id = ${sessionId} and revoked is false
     order by id desc limit 1`;
  return row;
}

/** Revokes `old` and issues its child in the same session (GoTrue: GrantRefreshTokenSwap). */
export async function rotateRefreshToken(tx: Transaction, old: RefreshTokenRow, sessionId: string): Promise<string> {
  await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${old.id}`;
  return insertRefreshToken(tx, old.user_id, sessionId, old.token);
}

/** Reuse detected: every live token of the session is revoked (GoTrue: RevokeTokenFamily). */
export async function revokeSessionTokens(tx: Transaction, sessionId: string): Promise<void> {
  await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = ${sessionId} and revoked = false`;
}

export async function deleteRefreshToken(tx: Transaction, id: number): Promise<void> {
  await tx`delete from auth.refresh_tokens where id = ${id}`;
}

/** Sign-out. Deleting sessions deletes their refresh tokens too (on delete cascade). */
export async function deleteSessions(tx: Transaction, userId: string, scope: "global" | "local" | "others", currentSessionId?: string): Promise<void> {
  if (scope === "local" && currentSessionId) {
    await tx`delete from auth.sessions where id = ${currentSessionId}`;
  } else if (scope === "others" && currentSessionId) {
    await tx`delete from auth.sessions where id <> ${currentSessionId} and user_id = ${userId}`;
  } else {
    await tx`delete from auth.sessions where user_id = ${userId}`;
  }
}

/** Hard delete: identities, sessions, tokens and our profile rows go with it (cascades). */
export async function deleteUser(tx: Transaction, userId: string): Promise<void> {
  await tx`delete from auth.users where id = ${userId}`;
}

/** GoTrue's soft delete: the row stays, its email, phone, password and metadata are wiped. */
export async function softDeleteUser(tx: Transaction, userId: string): Promise<void> {
  const [row] = await tx<{ email: string | null; phone: string | null; email_change: string | null; phone_change: string | null; deleted: boolean }[]>`
    select email, phone, email_change, phone_change, deleted_at is not null as deleted from auth.users where id = ${userId}`;
  if (!row || row.deleted) return;
  const obfuscate = async (value: string) => {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(userId + value));
    return base64url.encode(new Uint8Array(digest));
  };
  await tx`
    update auth.users
       set email = ${await obfuscate(row.email ?? "")},
           phone = ${(await obfuscate(row.phone ?? "")).slice(0, 15)},
           email_change = ${await obfuscate(row.email_change ?? "")},
           phone_change = ${(await obfuscate(row.phone_change ?? "")).slice(0, 15)},
           encrypted_password = null, confirmation_token = '', recovery_token = '',
           email_change_token_current = '', email_change_token_new = '', phone_change_token = '',
           raw_user_meta_data = '{}'::jsonb, raw_app_meta_data = '{}'::jsonb,
           deleted_at = now(), updated_at = now()
     where id = ${userId}`;
  const identities = await tx<{ id: string; provider: string; provider_id: string }[]>`
    select id, provider, provider_id from auth.identities where user_id = ${userId}`;
  for (const identity of identities) {
    await tx`
      update auth.identities set identity_data = '{}'::jsonb, provider_id = ${await obfuscate(`${identity.provider}:${identity.provider_id}`)}, updated_at = now()
       where id = ${identity.id}`;
  }
  await tx`delete from auth.sessions where user_id = ${userId}`;
}

// 12 characters of lower-case base32, GoTrue's legacy refresh token (crypto.SecureAlphanumeric(12)).
const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
export const refreshTokenPattern = /^[a-z0-9]{12}$/;

function newRefreshTokenString(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => base32Alphabet[byte & 31]).join("");
}

async function insertRefreshToken(tx: Transaction, userId: string, sessionId: string, parent: string | null): Promise<string> {
  const token = newRefreshTokenString();
  await tx`
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (${instanceId}, ${token}, ${userId}, false, now(), now(), ${parent}, ${sessionId})`;
  return token;
}

/** models.User's JSON: Go field order, `omitempty` fields left out when empty. */
function userJson(row: UserRow, identities: IdentityRow[]): GoTrueUserJson {
  const json: Record<string, unknown> = {
    id: row.id,
    aud: row.aud ?? "",
    role: row.role ?? "",
    email: row.email ?? "",
  };
  const optional = (name: string, value: string | null) => {
    if (value !== null && value !== "") json[name] = value;
  };
  optional("email_confirmed_at", row.email_confirmed_at);
  optional("invited_at", row.invited_at);
  json.phone = row.phone ?? "";
  optional("phone_confirmed_at", row.phone_confirmed_at);
  optional("confirmation_sent_at", row.confirmation_sent_at);
  optional("confirmed_at", row.confirmed_at);
  optional("recovery_sent_at", row.recovery_sent_at);
  optional("new_email", row.email_change);
  optional("email_change_sent_at", row.email_change_sent_at);
  optional("new_phone", row.phone_change);
  optional("phone_change_sent_at", row.phone_change_sent_at);
  optional("reauthentication_sent_at", row.reauthentication_sent_at);
  optional("last_sign_in_at", row.last_sign_in_at);
  json.app_metadata = row.raw_app_meta_data ?? {};
  json.user_metadata = row.raw_user_meta_data ?? {};
  json.identities = identities.map(identityJson);
  json.created_at = row.created_at ?? "0001-01-01T00:00:00Z";
  json.updated_at = row.updated_at ?? "0001-01-01T00:00:00Z";
  optional("banned_until", row.banned_until);
  optional("deleted_at", row.deleted_at);
  json.is_anonymous = row.is_anonymous;
  return json as GoTrueUserJson;
}

function identityJson(row: IdentityRow): Record<string, unknown> {
  const json: Record<string, unknown> = { identity_id: row.id, id: row.provider_id, user_id: row.user_id };
  if (row.identity_data && Object.keys(row.identity_data).length > 0) json.identity_data = row.identity_data;
  json.provider = row.provider;
  if (row.last_sign_in_at) json.last_sign_in_at = row.last_sign_in_at;
  json.created_at = row.created_at ?? "0001-01-01T00:00:00Z";
  json.updated_at = row.updated_at ?? "0001-01-01T00:00:00Z";
  if (row.email) json.email = row.email;
  return json;
}
