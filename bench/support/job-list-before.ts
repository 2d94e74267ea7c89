// The job list as it ran before, to measure the facade's statement against in the same
// run (bench/jobs-list.ts). Installed in a throwaway benchmark database only, in a schema
// of its own (bench_before), as the migrations defined them:
// - list_open_job_postings (20261201000200) and the capped count_open_job_postings
//   (20261206300100): the page and the total as two statements, each built as text and
//   planned on every call. The facade ran them in one transaction, sent together.
// - count_open_job_postings_exact (before issue 12, 20261201000200): every match counted.
// Each is security definer as it was, and anon may run it, so it runs through asCaller
// like the facade's statements.
import type postgres from "postgres";
import type { JobListFilters, JobListPage } from "../../src/core/jobs/service.ts";
import { cursorTimestampFormat } from "../../src/core/keyset.ts";

export async function installListingBefore(superuser: postgres.Sql): Promise<void> {
  await superuser`create schema bench_before`;
  await superuser`grant usage on schema bench_before to anon`;
  await superuser`
    create function bench_before.list_open_job_postings(
      filter_job_type public.job_type, filter_experience_level public.experience_level, filter_location text, search_text text,
      after_created_at timestamptz, after_id bigint, page_limit integer, page_offset integer)
    returns table (id bigint, title varchar, company_name varchar, location varchar, job_type public.job_type,
                   experience_level public.experience_level, salary_range varchar, created_at timestamptz)
    language plpgsql stable security definer set search_path = '' as $$
    declare
      filters record := private.open_job_postings_filters(filter_location, search_text);
      statement text;
    begin
      if page_limit is null or page_limit not between 1 and 1000 then
        raise exception 'page_limit must be between 1 and 1000' using errcode = '22023';
      end if;
      if page_offset is null or page_offset not between 0 and 10000 then
        raise exception 'page_offset must be between 0 and 10000' using errcode = '22023';
      end if;
      if (after_created_at is null) <> (after_id is null) then
        raise exception 'after_created_at and after_id go together' using errcode = '22023';
      end if;
      if (select auth.uid()) is not null and not private.caller_may_act() then
        return;
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
    $$`;
  await superuser`
    create function bench_before.count_open_job_postings(
      filter_job_type public.job_type, filter_experience_level public.experience_level, filter_location text, search_text text,
      count_limit integer)
    returns bigint language plpgsql stable security definer set search_path = '' as $$
    declare
      filters record := private.open_job_postings_filters(filter_location, search_text);
      total bigint;
    begin
      if count_limit is null or count_limit not between 1 and 100000 then
        raise exception 'count_limit must be between 1 and 100000' using errcode = '22023';
      end if;
      if (select auth.uid()) is not null and not private.caller_may_act() then
        return null;
      end if;
      execute 'select count(*) from (select 1 from public.job_postings j where '
           || private.open_job_postings_conditions(
                filter_job_type is not null, filter_experience_level is not null,
                filters.location_pattern is not null, filters.search_query is not null)
           || ' limit $5) as matches'
        into total
        using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query, count_limit + 1;
      return total;
    end;
    $$`;
  await superuser`
    create function bench_before.count_open_job_postings_exact(
      filter_job_type public.job_type, filter_experience_level public.experience_level, filter_location text, search_text text)
    returns bigint language plpgsql stable security definer set search_path = '' as $$
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
    $$`;
  await superuser`grant execute on all functions in schema bench_before to anon`;
}

/** The page as the facade read it before (limit + 1 rows, like the facade's). */
export function selectPageBefore(tx: postgres.TransactionSql, filters: JobListFilters, page: JobListPage) {
  return tx`
    select id, title, company_name, location, job_type, experience_level, salary_range, created_at,
           to_char(created_at at time zone 'UTC', ${cursorTimestampFormat}) as cursor_at
      from bench_before.list_open_job_postings(${filters.jobType}::public.job_type, ${filters.experienceLevel}::public.experience_level,
             ${filters.location}::text, ${filters.q}::text, ${page.after?.createdAt ?? null}::text::timestamptz, ${page.after?.id ?? null}::bigint,
             ${page.limit + 1}::integer, ${page.offset}::integer)`;
}

/** The total as the facade counted it before: a statement of its own, capped at `countLimit`. */
export function selectCountBefore(tx: postgres.TransactionSql, filters: JobListFilters, countLimit: number) {
  return tx<{ total: number }[]>`
    select bench_before.count_open_job_postings(${filters.jobType}::public.job_type, ${filters.experienceLevel}::public.experience_level,
             ${filters.location}::text, ${filters.q}::text, ${countLimit}::integer) as total`;
}

/** The count before issue 12: every match. */
export function selectExactCount(tx: postgres.TransactionSql, filters: JobListFilters) {
  return tx<{ total: number }[]>`
    select bench_before.count_open_job_postings_exact(${filters.jobType}::public.job_type, ${filters.experienceLevel}::public.experience_level,
             ${filters.location}::text, ${filters.q}::text) as total`;
}
