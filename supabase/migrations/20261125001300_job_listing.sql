-- The public listing of open postings: the indexes it reads and the two functions
-- that run it (list_open_job_postings, count_open_job_postings), so that its filters
-- can use those indexes.
--
-- Why functions and not a plain select on job_postings: under row-level security
-- Postgres evaluates a policy's condition before any condition of the query that is not
-- marked leakproof, and enum equality (job_type = ...), ILIKE and the text-search match
-- (@@) are not leakproof. Through the table, as anon or authenticated, the job_type,
-- trigram and full-text indexes therefore cannot be used: on 1,000,000 postings a
-- location or text search is a sequential scan of the whole table (~0.35 s for a page
-- of 20), and a job_type filter reads the index entry of every active posting, for
-- the facade and for supabase-js frontends alike.
--
-- The functions are security definer for that reason alone: they read with their
-- owner's rights and apply, themselves, private.job_posting_is_open, the whole of the
-- policy "visitors read open postings" and the part of every signed-in user's policy
-- that everybody shares. They show nobody more than that policy shows anon, and none
-- of what the signed-in policy adds for some callers (a recruiter's own closed
-- postings, the postings a candidate applied to). tests/database/rls-jobs.test.ts
-- holds them to that for every persona. Frontends call them with
-- supabase.rpc('list_open_job_postings', {...}).

-- Full-text search (q) and the case-insensitive location substring (ILIKE '%...%').
create index job_postings_search_vector_idx on public.job_postings using gin (search_vector);
create index job_postings_location_trgm_idx on public.job_postings using gin (location extensions.gin_trgm_ops);

-- The listing, newest first, keyset by (created_at, id), only active rows: one index
-- per filter combination, each in listing order. INCLUDE (expires_at) lets the expiry
-- check, and so a count over these partial indexes, run without visiting the table
-- (an index-only scan; expiry cannot be part of the predicate: now() is not immutable).
create index job_postings_open_listing_idx
  on public.job_postings (created_at desc, id desc) include (expires_at) where is_active;
create index job_postings_open_job_type_idx
  on public.job_postings (job_type, created_at desc, id desc) include (expires_at) where is_active;
create index job_postings_open_experience_idx
  on public.job_postings (experience_level, created_at desc, id desc) include (expires_at) where is_active;
-- Both filters at once (the seed's two filters): one range, in listing order.
create index job_postings_open_job_type_experience_idx
  on public.job_postings (job_type, experience_level, created_at desc, id desc) include (expires_at) where is_active;

-- The WHERE clause both functions run: the open-postings rule, then each filter that
-- was given, as $1..$4 (job type, experience level, ILIKE pattern, tsquery). Building
-- the statement per call (EXECUTE) lets the planner see the values and pick the index
-- for the filters actually present, instead of one generic plan for all of them.
-- The rule is the call private.job_posting_is_open(j), not a copy of its expression:
-- the planner inlines it, and matches the partial indexes' "where is_active" as if
-- it were written out (see that function for why expiry is written with coalesce).
create or replace function private.open_job_postings_conditions(
  has_job_type boolean,
  has_experience_level boolean,
  has_location boolean,
  has_search boolean
)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'private.job_posting_is_open(j)'
      || case when has_job_type then ' and j.job_type = $1' else '' end
      || case when has_experience_level then ' and j.experience_level = $2' else '' end
      || case when has_location then ' and j.location ilike $3' else '' end
      || case when has_search then ' and j.search_vector @@ $4' else '' end;
$$;
comment on function private.open_job_postings_conditions(boolean, boolean, boolean, boolean) is
  'Helper of list_open_job_postings/count_open_job_postings: the WHERE clause for the filters present.';

-- The filters as the functions use them: blanks are absent, location matches as a
-- case-insensitive substring (its % and _ are literal), and the text search is
-- websearch syntax ("rust -java", "\"site reliability\"", "go or rust"); a search with
-- no searchable words left (only stop words such as "the") does not filter.
create or replace function private.open_job_postings_filters(
  filter_location text,
  search_text text,
  out location_pattern text,
  out search_query tsquery
)
language plpgsql
stable
set search_path = ''
as $$
declare
  wanted_location text := nullif(btrim(filter_location), '');
  wanted_text text := nullif(btrim(search_text), '');
begin
  if char_length(wanted_location) > 255 then
    raise exception 'filter_location is longer than 255 characters' using errcode = '22023';
  end if;
  if char_length(wanted_text) > 200 then
    raise exception 'search_text is longer than 200 characters' using errcode = '22023';
  end if;
  if wanted_location is not null then
    location_pattern := '%' || replace(replace(replace(wanted_location, '\', '\\'), '%', '\%'), '_', '\_') || '%';
  end if;
  if wanted_text is not null then
    search_query := websearch_to_tsquery('english', wanted_text);
    if numnode(search_query) = 0 then
      search_query := null;
    end if;
  end if;
end;
$$;
comment on function private.open_job_postings_filters(text, text) is
  'Helper of list_open_job_postings/count_open_job_postings: the location pattern and the tsquery of the filters.';

create or replace function public.list_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null,
  after_created_at timestamptz default null,
  after_id bigint default null,
  page_limit integer default 20,
  page_offset integer default 0
)
returns table (
  id bigint,
  title varchar,
  company_name varchar,
  location varchar,
  job_type public.job_type,
  experience_level public.experience_level,
  salary_range varchar,
  created_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  filters record := private.open_job_postings_filters(filter_location, search_text);
  statement text;
begin
  if page_limit is null or page_limit not between 1 and 1000 then
    raise exception 'page_limit must be between 1 and 1000' using errcode = '22023';
  end if;
  if page_offset is null or page_offset not between 0 and 10000 then
    raise exception 'page_offset must be between 0 and 10000 (use the keyset after_created_at/after_id for deeper pages)' using errcode = '22023';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = '22023';
  end if;

  statement := 'select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at'
            || ' from public.job_postings j where '
            || private.open_job_postings_conditions(
                 filter_job_type is not null, filter_experience_level is not null,
                 filters.location_pattern is not null, filters.search_query is not null)
            || case when after_id is not null then ' and (j.created_at, j.id) < ($5, $6)' else '' end
            || ' order by j.created_at desc, j.id desc limit $7 offset $8';
  return query execute statement
    using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query,
          after_created_at, after_id, page_limit, page_offset;
end;
$$;
comment on function public.list_open_job_postings(public.job_type, public.experience_level, text, text, timestamptz, bigint, integer, integer) is
  'Open postings (private.job_posting_is_open), newest first, filtered by job type, experience level, location substring and websearch text over title/company/description. Page with page_limit (1-1000) and page_offset (up to 10000), or keyset: pass the last row''s created_at and id as after_created_at/after_id. Security definer so the filters can use their indexes, which RLS keeps them from through the table; it shows exactly what the policy "visitors read open postings" shows.';
grant execute on function public.list_open_job_postings(public.job_type, public.experience_level, text, text, timestamptz, bigint, integer, integer)
  to anon, authenticated;

create or replace function public.count_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null
)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  filters record := private.open_job_postings_filters(filter_location, search_text);
  total bigint;
begin
  execute 'select count(*) from public.job_postings j where '
       || private.open_job_postings_conditions(
            filter_job_type is not null, filter_experience_level is not null,
            filters.location_pattern is not null, filters.search_query is not null)
    into total
    using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query;
  return total;
end;
$$;
comment on function public.count_open_job_postings(public.job_type, public.experience_level, text, text) is
  'How many open postings match the filters of list_open_job_postings. Costs in proportion to that number (an index-only scan for the job type and experience level filters). Security definer for the same reason as list_open_job_postings, and counts the same rows.';
grant execute on function public.count_open_job_postings(public.job_type, public.experience_level, text, text)
  to anon, authenticated;
