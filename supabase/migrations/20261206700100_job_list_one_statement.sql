-- One statement per job list (issue 12): a page of open postings and its capped total in
-- one call, public.list_open_job_postings_with_total, which GET /api/v1/jobs/list runs.
-- list_open_job_postings and count_open_job_postings become thin wrappers of it, so the
-- listing's rules (the filters, the open rule, the bounds of paging and counting, who
-- sees nothing) are written once, here.
--
-- What it saves (bench/jobs-list.ts, 1,000,000 postings):
-- - One statement instead of two, and no count when the page tells the total: a page
--   without a cursor that ends early (fewer rows than page_limit) holds the last match,
--   so the total is page_offset + its rows.
-- - No planning per call for the lists the ordered indexes answer (no filter, job_type,
--   experience_level). The functions before built each statement as text (EXECUTE),
--   planned on every call: ~0.15 ms a statement, three times what reading a page of 21
--   rows costs. These lists are now static statements, one per filter combination,
--   whose plans each connection caches (plan_cache_mode = force_generic_plan: a generic
--   plan of `job_type = $1` reads the same index as a plan for one value; without the
--   setting, LIMIT $n makes Postgres re-plan every call).
-- - Location and text searches are still planned for their values (EXECUTE): how many
--   postings match decides between walking the listing index newest first and reading
--   the trigram or full-text index. A first page with a total up to 200 is one walk: its
--   first rows are the page, and it walks on to count_limit + 1 matches for the total.
--   For a broad search that is far cheaper than a separate count, which Postgres plans
--   as a scan of the table or a bitmap of every match (at count_limit 100, over 12
--   different two-word searches, a median of ~3 ms of database time against ~16 ms); for
--   larger totals a separate count stays cheaper (at 500, walks of ~100 ms for some).

create function public.list_open_job_postings_with_total(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null,
  after_created_at timestamptz default null,
  after_id bigint default null,
  page_limit integer default 20,
  page_offset integer default 0,
  count_limit integer default 1000
)
returns table (
  id bigint,
  title varchar,
  company_name varchar,
  location varchar,
  job_type public.job_type,
  experience_level public.experience_level,
  salary_range varchar,
  created_at timestamptz,
  total bigint
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  -- The location and text filters as private.open_job_postings_filters reads them.
  location_pattern text;
  search_query tsquery;
  -- Without a cursor the page starts at the newest posting: its keyset bound is then
  -- above every row, so that one cached statement serves first and later pages.
  before_created_at timestamptz := coalesce(after_created_at, 'infinity');
  before_id bigint := coalesce(after_id, 9223372036854775807);
  -- A page that starts at the top and ends early holds the last match.
  from_the_top boolean := after_id is null;
  -- The count stops at the first match past count_limit.
  count_bound integer := count_limit + 1;
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
  -- Null: no total (list_open_job_postings).
  if count_limit not between 1 and 100000 then
    raise exception 'count_limit must be between 1 and 100000' using errcode = '22023';
  end if;
  -- A signed-in caller who may not act sees nothing (anon has no account to check).
  if auth.uid() is not null and not private.caller_may_act() then
    return;
  end if;

  if filter_location is not null or search_text is not null then
    select f.location_pattern, f.search_query into location_pattern, search_query
      from private.open_job_postings_filters(filter_location, search_text) as f;
  end if;
  if location_pattern is not null or search_query is not null then
    return query execute private.open_job_postings_search_statement(
        filter_job_type is not null, filter_experience_level is not null,
        location_pattern is not null, search_query is not null,
        has_cursor => after_id is not null, wants_total => count_limit is not null,
        walks_to_total => count_limit <= 200)
      using filter_job_type, filter_experience_level, location_pattern, search_query,
            after_created_at, after_id, page_limit, page_offset, count_bound;
    return;
  end if;

  -- The lists the ordered indexes answer, one statement per filter combination (see
  -- the top of this file), alike but for the filter: the page, read from the listing
  -- index in order; then its total, known from the page when it ended early, otherwise
  -- counted over the same index, index-only, up to count_bound. The count is the
  -- scalar subquery of a CASE branch, which Postgres runs only when that branch is taken.
  if filter_job_type is null and filter_experience_level is null then
    return query
      with page as materialized (
        select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at
          from public.job_postings j
         where private.job_posting_is_open(j)
           and (j.created_at, j.id) < (before_created_at, before_id)
         order by j.created_at desc, j.id desc
         limit page_limit offset page_offset
      )
      select page.*,
             case when count_limit is null then null
                  when from_the_top and (select count(*) from page) < page_limit
                    then least(page_offset + (select count(*) from page), count_bound)
                  else (select count(*) from (
                          select from public.job_postings j
                           where private.job_posting_is_open(j)
                           limit count_bound) as matches)
             end
        from page;
  elsif filter_experience_level is null then
    return query
      with page as materialized (
        select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at
          from public.job_postings j
         where private.job_posting_is_open(j) and j.job_type = filter_job_type
           and (j.created_at, j.id) < (before_created_at, before_id)
         order by j.created_at desc, j.id desc
         limit page_limit offset page_offset
      )
      select page.*,
             case when count_limit is null then null
                  when from_the_top and (select count(*) from page) < page_limit
                    then least(page_offset + (select count(*) from page), count_bound)
                  else (select count(*) from (
                          select from public.job_postings j
                           where private.job_posting_is_open(j) and j.job_type = filter_job_type
                           limit count_bound) as matches)
             end
        from page;
  elsif filter_job_type is null then
    return query
      with page as materialized (
        select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at
          from public.job_postings j
         where private.job_posting_is_open(j) and j.experience_level = filter_experience_level
           and (j.created_at, j.id) < (before_created_at, before_id)
         order by j.created_at desc, j.id desc
         limit page_limit offset page_offset
      )
      select page.*,
             case when count_limit is null then null
                  when from_the_top and (select count(*) from page) < page_limit
                    then least(page_offset + (select count(*) from page), count_bound)
                  else (select count(*) from (
                          select from public.job_postings j
                           where private.job_posting_is_open(j) and j.experience_level = filter_experience_level
                           limit count_bound) as matches)
             end
        from page;
  else
    return query
      with page as materialized (
        select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at
          from public.job_postings j
         where private.job_posting_is_open(j)
           and j.job_type = filter_job_type and j.experience_level = filter_experience_level
           and (j.created_at, j.id) < (before_created_at, before_id)
         order by j.created_at desc, j.id desc
         limit page_limit offset page_offset
      )
      select page.*,
             case when count_limit is null then null
                  when from_the_top and (select count(*) from page) < page_limit
                    then least(page_offset + (select count(*) from page), count_bound)
                  else (select count(*) from (
                          select from public.job_postings j
                           where private.job_posting_is_open(j)
                             and j.job_type = filter_job_type and j.experience_level = filter_experience_level
                           limit count_bound) as matches)
             end
        from page;
  end if;
end;
$$;
comment on function public.list_open_job_postings_with_total(public.job_type, public.experience_level, text, text, timestamptz, bigint, integer, integer, integer) is
  'One page of open postings (private.job_posting_is_open), newest first, each row carrying the total of postings that match, counted exactly up to count_limit (1-100000, default 1000; null: no total): a total of count_limit + 1 means more than count_limit. Filters, paging and bounds as list_open_job_postings, which with count_open_job_postings wraps it. An empty page has no row to carry a total: on a first page it is 0; past the last page ask count_open_job_postings. Security definer so the filters can use their indexes, which RLS keeps them from through the table; it shows exactly what the policy "visitors read open postings" shows, and nothing to a signed-in caller whose account may not act.';
grant execute on function public.list_open_job_postings_with_total(public.job_type, public.experience_level, text, text, timestamptz, bigint, integer, integer, integer)
  to anon, authenticated;

-- The statement of a location or text search, $1..$9 as list_open_job_postings_with_total
-- passes them (job type, experience level, ILIKE pattern, tsquery, cursor created_at and
-- id, page_limit, page_offset, count_limit + 1). The matches are found newest first
-- ("found"). A location search finds their ids alone and reads the page's rows by id
-- after: the listing index carries the location (20261206700200), so its walk is
-- index-only. A text search reads each posting it passes anyway (the index cannot hold a
-- search_vector), so it keeps the rows it finds.
-- The total is counted one of two ways:
-- - walks_to_total: newest first, to $9 matches. On a first page that is the page's own
--   walk, gone on; with a cursor, a walk of its own from the top.
-- - otherwise any $9 matches, as the planner finds them cheapest (a page that starts at
--   the top and ends early tells its total, as for the other lists).
create function private.open_job_postings_search_statement(
  has_job_type boolean,
  has_experience_level boolean,
  has_location boolean,
  has_search boolean,
  has_cursor boolean,
  wants_total boolean,
  walks_to_total boolean
)
returns text
language sql
immutable
set search_path = ''
as $$
  with parts as (
    select conditions,
           -- One walk serves the page and its total.
           wants_total and walks_to_total and not has_cursor as one_walk,
           not has_search as ids_first,
           'j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at' as columns
      from private.open_job_postings_conditions(has_job_type, has_experience_level, has_location, has_search) as conditions
  )
  select case when not wants_total and not ids_first then
      -- The page alone, as it reads: no total to attach.
      'select ' || columns || ', null::bigint from public.job_postings j where ' || conditions
      || case when has_cursor then ' and (j.created_at, j.id) < ($5, $6)' else '' end
      || ' order by j.created_at desc, j.id desc limit $7 offset $8'
    else
      'with found as materialized (select ' || case when ids_first then 'j.id, j.created_at' else columns end
      || ' from public.job_postings j where ' || conditions
      || case when one_walk then ' order by j.created_at desc, j.id desc limit greatest($9, $7 + $8))'
              else case when has_cursor then ' and (j.created_at, j.id) < ($5, $6)' else '' end
                   || ' order by j.created_at desc, j.id desc limit $7 offset $8)' end
      || ' select ' || columns || ', '
      || case when not wants_total then 'null::bigint'
              when one_walk then 'least((select count(*) from found), $9)'
              -- A page that starts at the top and ends early tells its total.
              else 'case when ' || (not has_cursor)::text || ' and (select count(*) from found) < $7'
                   || ' then least($8 + (select count(*) from found), $9)'
                   || ' else (select count(*) from (select from public.job_postings j where ' || conditions
                   || case when walks_to_total then ' order by j.created_at desc, j.id desc' else '' end
                   || ' limit $9) as matches) end' end
      || ' from (select * from found f order by f.created_at desc, f.id desc'
      || case when one_walk then ' limit $7 offset $8' else '' end || ') as '
      || case when ids_first then 'page join public.job_postings j on j.id = page.id' else 'j' end
      || ' order by j.created_at desc, j.id desc'
    end
  from parts;
$$;
comment on function private.open_job_postings_search_statement(boolean, boolean, boolean, boolean, boolean, boolean, boolean) is
  'Helper of list_open_job_postings_with_total: the statement of a location or text search, for the filters present.';

-- The two functions supabase-js frontends call, as they were, now through the one
-- implementation. Neither is security definer any more: the implementation is.
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
language sql
stable
security invoker
set search_path = ''
as $$
  select p.id, p.title, p.company_name, p.location, p.job_type, p.experience_level, p.salary_range, p.created_at
    from public.list_open_job_postings_with_total(
           filter_job_type, filter_experience_level, filter_location, search_text,
           after_created_at, after_id, page_limit, page_offset, count_limit => null) as p;
$$;
comment on function public.list_open_job_postings(public.job_type, public.experience_level, text, text, timestamptz, bigint, integer, integer) is
  'Open postings (private.job_posting_is_open), newest first, filtered by job type, experience level, location substring and websearch text over title/company/description. Page with page_limit (1-1000) and page_offset (up to 10000), or keyset: pass the last row''s created_at and id as after_created_at/after_id. list_open_job_postings_with_total without the total; it shows exactly what the policy "visitors read open postings" shows.';

create or replace function public.count_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null,
  count_limit integer default 1000
)
returns bigint
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  counted bigint;
begin
  if count_limit is null then
    raise exception 'count_limit must be between 1 and 100000' using errcode = '22023';
  end if;
  -- The total a one-row page carries; no row: nothing matches, or the caller may not act.
  select p.total into counted
    from public.list_open_job_postings_with_total(
           filter_job_type, filter_experience_level, filter_location, search_text,
           page_limit => 1, count_limit => count_limit) as p;
  if found then
    return counted;
  end if;
  -- A signed-in caller who may not act is answered null (no count), like anon's nothing.
  -- (Nested: anon may not run private.caller_may_act(), and has no account to check.)
  if auth.uid() is not null then
    if not private.caller_may_act() then
      return null;
    end if;
  end if;
  return 0;
end;
$$;
comment on function public.count_open_job_postings(public.job_type, public.experience_level, text, text, integer) is
  'How many open postings match the filters of list_open_job_postings, counted exactly up to count_limit (1-100000, default 1000): an answer of count_limit + 1 means more than count_limit. Costs in proportion to the smaller of the matches and count_limit. Null for a signed-in caller whose account may not act. The total of list_open_job_postings_with_total, and counts the same rows.';
