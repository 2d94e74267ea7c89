-- Resume rows are made by the upload path only, after the file is stored, and no value
-- in them can make a later read fail.
--
-- Until now anyone signed in could insert a resume, or update its share token and QR
-- code, with values of their own: a pdf_filename `<own uuid>/../<other file>` made the
-- owner's reads, the public fetch and DELETE answer 500 (so the row could not even be
-- deleted); a share token of one's choosing with qr_code_base64 = 'javascript:alert(1)'
-- and no file behind it was served; a 5 MB qr_code_base64 was accepted and served.
--
-- Now:
--   * authenticated may no longer INSERT resumes, nor UPDATE their permanent_token or
--     qr_code_base64 (renaming, is_public and is_active stay the owner's);
--   * the servers record an upload with private.record_uploaded_resume and rotate a
--     share link with private.rotate_resume_share_token, both granted to their login
--     role previewcv_api only (never to anon/authenticated: a user calling them
--     through PostgREST could register a key of their choosing);
--   * check constraints hold every one of those columns to what the upload path
--     makes, whoever writes the row, a superuser included;
--   * the record function refuses past per-account quotas (resumes kept, bytes
--     stored), with SQLSTATE PT409.
--
-- Storage keys no longer carry the owner's id (hole 8 of issue 11: the public fetch's
-- signed URL showed it): new keys are `{32 random hex}.pdf` under the storage folder.
-- Ownership is the row's user_id, which only the record function sets. Keys of
-- earlier uploads, `{user_id}/{name}.pdf`, stay valid, still inside their owner's
-- folder.

-- "No control characters" below is the regular expression [\u0001-\u001f\u007f-\u009f]:
-- C0, DEL and C1 (tabs and newlines included), as the servers' zod schemas refuse in
-- names. Written out in each constraint rather than in a function: a check constraint
-- runs its functions with the writer's rights, so a helper would have to be granted to
-- the API roles.

alter table public.resumes add column file_size_bytes bigint
  constraint resumes_file_size_bytes_positive check (file_size_bytes > 0);
comment on column public.resumes.file_size_bytes is
  'Size of the stored PDF in bytes, recorded by the upload; counts against the account''s storage quota. Null for resumes uploaded before it was recorded (they count as 0).';

-- Values an earlier version let through that have a harmless repair: a QR code that is
-- not a PNG data URL of sane size is dropped (the owner's next rotation makes a new
-- one); a pdf_url that is not the file's URL is dropped (nothing reads it but admins);
-- control characters in a name become spaces.
update public.resumes
   set qr_code_base64 = null
 where qr_code_base64 is not null
   and not (qr_code_base64 ~ '^data:image/png;base64,[A-Za-z0-9+/]*={0,2}$'
            and char_length(qr_code_base64) <= 16384 and (char_length(qr_code_base64) - 22) % 4 = 0);
update public.resumes
   set pdf_url = null
 where pdf_url is not null
   and not (pdf_url ~* '^https?://[^[:space:]/?#]+/[^[:space:]]*$' and pdf_url !~ '[\u0001-\u001f\u007f-\u009f]'
            and right(pdf_url, char_length(pdf_filename) + 1) = '/' || pdf_filename);
update public.resumes
   set resume_name = btrim(regexp_replace(resume_name, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g'))
 where resume_name ~ '[\u0001-\u001f\u007f-\u009f]';

-- A pdf_filename no upload could have made has no repair: say so clearly, before the
-- constraint below fails on it.
do $$
declare
  bad bigint;
begin
  select count(*) into bad
    from public.resumes r
   where not (r.pdf_filename ~ '^[0-9a-f]{32}\.pdf$'
              or (left(r.pdf_filename, 37) = r.user_id::text || '/'
                  and substr(r.pdf_filename, 38) ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$'));
  if bad > 0 then
    raise exception '% resume row(s) have a pdf_filename no upload made (see them with: select id, user_id, pdf_filename from public.resumes where pdf_filename like ''%%..%%'' or pdf_filename !~ ''^[0-9a-f]{32}\.pdf$'')', bad
      using hint = 'Delete those rows (they point at no file of theirs), then apply this migration again.';
  end if;
end
$$;

alter table public.resumes drop constraint resumes_pdf_filename_in_owner_folder;
alter table public.resumes
  add constraint resumes_pdf_filename_format check (
    pdf_filename ~ '^[0-9a-f]{32}\.pdf$'
    or (left(pdf_filename, 37) = user_id::text || '/'
        and substr(pdf_filename, 38) ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$')
  ),
  add constraint resumes_qr_code_png check (
    qr_code_base64 ~ '^data:image/png;base64,[A-Za-z0-9+/]*={0,2}$'
    and char_length(qr_code_base64) <= 16384
    and (char_length(qr_code_base64) - 22) % 4 = 0
  ),
  add constraint resumes_resume_name_clean check (resume_name !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint resumes_pdf_url_of_file check (
    pdf_url ~* '^https?://[^[:space:]/?#]+/[^[:space:]]*$'
    and pdf_url !~ '[\u0001-\u001f\u007f-\u009f]'
    and right(pdf_url, char_length(pdf_filename) + 1) = '/' || pdf_filename
  );
comment on constraint resumes_pdf_filename_format on public.resumes is
  'Storage key: {32 lower-case hex}.pdf (uploads since 2026-12), or {user_id}/{name}.pdf inside the owner''s folder (earlier uploads). No dot segments, no further folders.';
comment on constraint resumes_qr_code_png on public.resumes is
  'A PNG data URL (data:image/png;base64,...) of at most 16384 characters; the QR codes we make are about 3-4 KB.';
comment on constraint resumes_resume_name_clean on public.resumes is
  'resume_name: no control characters.';
comment on constraint resumes_pdf_url_of_file on public.resumes is
  'pdf_url: the http(s) URL of this row''s own file (it ends with /pdf_filename).';

comment on column public.resumes.pdf_filename is
  'Storage key of the PDF inside the storage folder: {32 random hex}.pdf (no user id: the key appears in signed URLs), or {user_id}/{random}.pdf for uploads made before 2026-12. Set by private.record_uploaded_resume only.';
comment on column public.resumes.pdf_url is
  'Unsigned CDN URL of the PDF, for reference (downloads need a signed URL). Set by private.record_uploaded_resume only.';
comment on column public.resumes.permanent_token is
  'The secret in the share link https://previewcv.com/r/{token}: 32 random bytes, base64url. Set by the upload and by private.rotate_resume_share_token (which kills the old link); not writable through the API.';
comment on column public.resumes.qr_code_base64 is
  'PNG data URL of a QR code for the share link. Set with the token; not writable through the API.';

revoke insert (user_id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public)
  on public.resumes from authenticated;
revoke update (permanent_token, qr_code_base64) on public.resumes from authenticated;
drop policy "owners create own resumes" on public.resumes;

-- The caller the servers vouch for: raises unless the account may act in that session
-- (private.account_state). PT401 / PT403, with the state in the error's detail.
create or replace function private.assert_account_may_act(target_user_id uuid, target_session_id uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  state text := private.account_state(target_user_id, target_session_id);
begin
  case state
    when 'active' then
      return;
    when 'deactivated', 'banned' then
      raise exception 'The account is deactivated' using errcode = 'PT403', detail = state;
    when 'no_account' then
      raise exception 'The account no longer exists' using errcode = 'PT401', detail = state;
    else
      raise exception 'The session has ended: sign in again' using errcode = 'PT401', detail = state;
  end case;
end;
$$;
comment on function private.assert_account_may_act(uuid, uuid) is
  'Raises unless the user may act in that session: PT401 (detail signed_out, session_expired, no_account or anonymous) or PT403 (detail deactivated or banned). For the servers'' own functions.';

-- Records a stored upload as the owner's resume. The servers call it with their own
-- login role, after the file is stored, for the caller whose JWT they verified (its sub
-- and session_id). Limits come from the servers' settings; the defaults: 50 resumes
-- (versions of one CV for a long job search, with room to spare) and 100 MiB (ten
-- files at the 10 MiB upload limit; a typical resume PDF is well under 1 MB, so about a
-- hundred of those). Counted under the owner's profile row lock, so concurrent uploads
-- cannot overshoot.
create or replace function private.record_uploaded_resume(
  owner_id uuid,
  owner_session_id uuid,
  resume_name text,
  storage_key text,
  share_token text,
  qr_code text,
  is_public boolean,
  file_size_bytes bigint,
  pdf_url text default null,
  max_resumes integer default 50,
  max_total_bytes bigint default 104857600
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_variable
declare
  kept integer;
  stored bigint;
  recorded bigint;
begin
  if max_resumes is null or max_resumes < 1 or max_total_bytes is null or max_total_bytes < 1 then
    raise exception 'max_resumes and max_total_bytes must be positive' using errcode = '22023';
  end if;
  if file_size_bytes is null or file_size_bytes < 1 then
    raise exception 'file_size_bytes must be the stored file''s size' using errcode = '22023';
  end if;

  -- One upload of this account at a time from here on (and none while an admin
  -- deactivates it): the quota is counted and the row inserted under this lock.
  perform 1 from public.profiles p where p.id = owner_id for no key update;
  perform private.assert_account_may_act(owner_id, owner_session_id);

  select count(*), coalesce(sum(r.file_size_bytes), 0) into kept, stored
    from public.resumes r where r.user_id = owner_id;
  if kept >= max_resumes then
    raise exception 'Resume limit reached: an account keeps at most % resumes. Delete one to upload another.', max_resumes
      using errcode = 'PT409', detail = format('quota=resumes max=%s kept=%s', max_resumes, kept);
  end if;
  if stored + file_size_bytes > max_total_bytes then
    raise exception 'Storage limit reached: an account keeps at most % bytes of resumes (% stored, this file has %). Delete one to upload another.',
      max_total_bytes, stored, file_size_bytes
      using errcode = 'PT409', detail = format('quota=bytes max=%s stored=%s file=%s', max_total_bytes, stored, file_size_bytes);
  end if;

  insert into public.resumes (user_id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public, file_size_bytes)
  values (owner_id, resume_name, storage_key, pdf_url, share_token, qr_code, coalesce(is_public, false), file_size_bytes)
  returning id into recorded;
  return recorded;
end;
$$;
comment on function private.record_uploaded_resume(uuid, uuid, text, text, text, text, boolean, bigint, text, integer, bigint) is
  'The upload path''s insert: records a stored PDF as the owner''s resume, for the session the servers verified. Raises PT401/PT403 (private.assert_account_may_act), PT409 past max_resumes or max_total_bytes, 23514 for a value the constraints refuse. Security definer: no API role may insert resumes. Granted to the servers'' role previewcv_api only.';
grant execute on function private.record_uploaded_resume(uuid, uuid, text, text, text, text, boolean, bigint, text, integer, bigint) to previewcv_api;

-- A new share token and QR code for one of the owner's resumes: the old link dies.
-- Returns the resume's id, or null when the owner has no resume with that id.
create or replace function private.rotate_resume_share_token(
  owner_id uuid,
  owner_session_id uuid,
  target_resume_id bigint,
  share_token text,
  qr_code text
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_variable
declare
  rotated bigint;
begin
  perform private.assert_account_may_act(owner_id, owner_session_id);
  update public.resumes r
     set permanent_token = share_token, qr_code_base64 = qr_code
   where r.id = target_resume_id and r.user_id = owner_id
  returning r.id into rotated;
  return rotated;
end;
$$;
comment on function private.rotate_resume_share_token(uuid, uuid, bigint, text, text) is
  'Gives one of the owner''s resumes a new share token and QR code (the old link stops at once); null when the owner has no such resume. Raises PT401/PT403 like private.record_uploaded_resume. Security definer: no API role may write the token. Granted to previewcv_api only.';
grant execute on function private.rotate_resume_share_token(uuid, uuid, bigint, text, text) to previewcv_api;
