-- Job list totals that cost a bounded amount (issue 12). count_open_job_postings
-- counted every matching open posting: O(matches), up to ~178,000 postings (~0.8 s) for
-- a broad text search over 1,000,000, against ~1 ms for the page it accompanies. It now
-- counts exactly up to count_limit and stops at the first posting past it, the search
-- engines' convention (Elasticsearch counts hits exactly up to 10,000 and reports the
-- total as a lower bound past that): an answer of count_limit + 1 means "more than
-- count_limit". The facade answers `total` = the cap with `total_relation: "gte"` then.
--
-- The old signature is dropped rather than overloaded: two candidates would make a
-- supabase.rpc call with named arguments ambiguous. Calls that pass no count_limit keep
-- working and are bounded by its default; a count_limit outside 1..100000 is refused, so
-- no rpc caller can ask for an unbounded count either. The default (1000) is the facade's
-- JOB_LIST_TOTAL_CAP, picked from bench/jobs-list.ts's table of what each cap costs.

drop function public.count_open_job_postings(public.job_type, public.experience_level, text, text);

create function public.count_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null,
  count_limit integer default 1000
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
  if count_limit is null or count_limit not between 1 and 100000 then
    raise exception 'count_limit must be between 1 and 100000' using errcode = '22023';
  end if;
  -- A signed-in caller who may not act is answered null (no count), like anon's nothing.
  if (select auth.uid()) is not null and not private.caller_may_act() then
    return null;
  end if;
  -- The LIMIT inside lets the scan stop at count_limit + 1 matches, whichever plan the
  -- filters get; no ORDER BY, so any count_limit + 1 matches do.
  execute 'select count(*) from (select 1 from public.job_postings j where '
       || private.open_job_postings_conditions(
            filter_job_type is not null, filter_experience_level is not null,
            filters.location_pattern is not null, filters.search_query is not null)
       || ' limit $5) as matches'
    into total
    using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query, count_limit + 1;
  return total;
end;
$$;
comment on function public.count_open_job_postings(public.job_type, public.experience_level, text, text, integer) is
  'How many open postings match the filters of list_open_job_postings, counted exactly up to count_limit (1-100000, default 1000): an answer of count_limit + 1 means more than count_limit. Costs in proportion to the smaller of the matches and count_limit. Null for a signed-in caller whose account may not act. Security definer for the same reason as list_open_job_postings, and counts the same rows.';
grant execute on function public.count_open_job_postings(public.job_type, public.experience_level, text, text, integer)
  to anon, authenticated;
