-- Link previews: on upload MuPDF reads the PDF once (src/core/pdf-document.ts): it
-- counts the pages and renders the first one to a PNG (src/core/resumes/thumbnail.ts),
-- stored beside the PDF, in the thumbnails folder of the same storage zone, under a key
-- of its own ({32 random hex}.png, no user id in it: it shows in signed URLs). The row
-- records the key and the page count; the public fetch signs a URL for the thumbnail
-- like the PDF's. Resumes uploaded before have neither (null).

alter table public.resumes add column thumbnail_key varchar(100)
  constraint resumes_thumbnail_key_format check (thumbnail_key ~ '^[0-9a-f]{32}\.png$');
comment on column public.resumes.thumbnail_key is
  'Storage key of the first page''s PNG (the link-preview thumbnail) in the thumbnails folder: {32 random hex}.png. Set by private.record_uploaded_resume only; null for resumes uploaded before thumbnails.';

alter table public.resumes add column page_count integer
  constraint resumes_page_count_range check (page_count between 1 and 100);
comment on column public.resumes.page_count is
  'Pages of the stored PDF, counted by MuPDF at upload (1 to 100, src/core/pdf-document.ts MAX_PDF_PAGES). Set by private.record_uploaded_resume only; null for resumes uploaded before it was recorded.';

-- The record function gains thumbnail_key and page_count. The old signature is dropped
-- so there is one function, granted to previewcv_api only.
drop function private.record_uploaded_resume(uuid, uuid, text, text, text, text, boolean, bigint, text, integer, bigint);

create function private.record_uploaded_resume(
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
  max_total_bytes bigint default 104857600,
  thumbnail_key text default null,
  page_count integer default null
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

  insert into public.resumes (user_id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public, file_size_bytes, thumbnail_key, page_count)
  values (owner_id, resume_name, storage_key, pdf_url, share_token, qr_code, coalesce(is_public, false), file_size_bytes, thumbnail_key, page_count)
  returning id into recorded;
  return recorded;
end;
$$;
comment on function private.record_uploaded_resume(uuid, uuid, text, text, text, text, boolean, bigint, text, integer, bigint, text, integer) is
  'The upload path''s insert: records a stored PDF (its page count, and its thumbnail''s key when one was rendered) as the owner''s resume, for the session the servers verified. Raises PT401/PT403 (private.assert_account_may_act), PT409 past max_resumes or max_total_bytes, 23514 for a value the constraints refuse. Security definer: no API role may insert resumes. Granted to the servers'' role previewcv_api only.';
grant execute on function private.record_uploaded_resume(uuid, uuid, text, text, text, text, boolean, bigint, text, integer, bigint, text, integer) to previewcv_api;
