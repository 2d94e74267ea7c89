-- Resumes: uploaded PDFs with their permanent share token, view counters and the
-- access log. Only the owner sees any of it through the tables; previewcv.com reads a
-- shared resume through the public-resume function, by token.

create table public.resumes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  resume_name varchar(255) not null
    constraint resumes_resume_name_not_blank check (btrim(resume_name) <> ''),
  pdf_filename varchar(500) not null unique
    -- Stored files live under their owner's id, so a row can only point at its own
    -- owner's files: nobody can register another user's PDF as theirs.
    constraint resumes_pdf_filename_in_owner_folder check (pdf_filename like (user_id::text || '/%')),
  pdf_url varchar(1000),
  permanent_token varchar(100) not null unique
    -- 32 random bytes, base64url without padding.
    constraint resumes_permanent_token_format check (permanent_token ~ '^[A-Za-z0-9_-]{43}$'),
  qr_code_base64 text,
  is_active boolean not null default true,
  is_public boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index resumes_user_id_created_at_idx on public.resumes (user_id, created_at desc);
create index resumes_is_active_idx on public.resumes (is_active);
create index resumes_created_at_idx on public.resumes (created_at);

comment on table public.resumes is
  'Uploaded resume PDFs. Owner-only through the API (RLS). View counts are in resume_view_counters (see the resume_stats view), not here, so popular resumes do not serialise on one row.';
comment on column public.resumes.pdf_filename is 'Storage key of the PDF: {user_id}/{random}.pdf inside the storage folder. Never user-chosen.';
comment on column public.resumes.pdf_url is 'Unsigned CDN URL of the PDF (for reference; downloads need a signed URL).';
comment on column public.resumes.permanent_token is 'The secret in the share link https://previewcv.com/r/{token}: 32 random bytes, base64url. Rotating it kills the old link.';
comment on column public.resumes.qr_code_base64 is 'PNG data URL of a QR code for the share link.';
comment on column public.resumes.is_active is 'False stops the share link (the public fetch answers 404) without deleting anything.';
comment on column public.resumes.is_public is 'Owner''s flag that the resume may be listed publicly. The share link works whenever is_active; the token is what grants access.';

grant select, delete on public.resumes to authenticated;
grant insert (user_id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public)
  on public.resumes to authenticated;
grant update (resume_name, permanent_token, qr_code_base64, is_active, is_public)
  on public.resumes to authenticated;

alter table public.resumes enable row level security;

create trigger resumes_set_updated_at
  before update on public.resumes
  for each row execute function private.set_updated_at();

create policy "owners read own resumes"
  on public.resumes for select
  to authenticated
  using (user_id = (select auth.uid()));

create policy "owners create own resumes"
  on public.resumes for insert
  to authenticated
  with check (user_id = (select auth.uid()));

create policy "owners update own resumes"
  on public.resumes for update
  to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "owners delete own resumes"
  on public.resumes for delete
  to authenticated
  using (user_id = (select auth.uid()));

-- View counters, sharded: each view adds 1 to one of 16 rows of its resume chosen at
-- random, so concurrent views of one popular resume rarely wait on the same row lock.
-- The count is the sum of the shards.
create table public.resume_view_counters (
  resume_id bigint not null references public.resumes (id) on delete cascade,
  shard smallint not null constraint resume_view_counters_shard_range check (shard between 0 and 15),
  views bigint not null default 0,
  last_viewed_at timestamptz,
  primary key (resume_id, shard)
);

comment on table public.resume_view_counters is
  'Views per resume, spread over up to 16 shard rows so concurrent views do not queue on one row. access_count = sum(views); read it through resume_stats.';

grant select on public.resume_view_counters to authenticated;

alter table public.resume_view_counters enable row level security;

create policy "owners read own resume counters"
  on public.resume_view_counters for select
  to authenticated
  using (resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));

-- The seed's access_count and last_accessed_at per resume, folded from the shards.
-- security_invoker: the caller's RLS applies, so owners see only their resumes.
create view public.resume_stats
with (security_invoker = true)
as
  select resume_id,
         sum(views)::bigint as access_count,
         max(last_viewed_at) as last_accessed_at
    from public.resume_view_counters
   group by resume_id;

comment on view public.resume_stats is 'access_count and last_accessed_at per resume (the seed''s columns), summed from resume_view_counters. Owner-only through RLS.';
grant select on public.resume_stats to authenticated;

-- One row per successful public fetch.
create table public.resume_access_logs (
  id bigint generated always as identity primary key,
  resume_id bigint not null references public.resumes (id) on delete cascade,
  ip_address inet,
  user_agent text constraint resume_access_logs_user_agent_length check (char_length(user_agent) <= 1000),
  referer varchar(500),
  accessed_at timestamptz not null default now()
);

create index resume_access_logs_resume_id_accessed_at_idx on public.resume_access_logs (resume_id, accessed_at);
create index resume_access_logs_accessed_at_idx on public.resume_access_logs (accessed_at);
create index resume_access_logs_ip_address_idx on public.resume_access_logs (ip_address);

comment on table public.resume_access_logs is
  'One row per view of a shared resume, written only by the public fetch (never directly through the API). Readable by the resume''s owner.';
comment on column public.resume_access_logs.ip_address is 'The viewer''s IP as the edge saw it.';
comment on column public.resume_access_logs.user_agent is 'The viewer''s User-Agent, cut to 1000 characters.';
comment on column public.resume_access_logs.referer is 'The Referer header, cut to 500 characters.';

grant select on public.resume_access_logs to authenticated;

alter table public.resume_access_logs enable row level security;

create policy "owners read own resume access logs"
  on public.resume_access_logs for select
  to authenticated
  using (resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));
