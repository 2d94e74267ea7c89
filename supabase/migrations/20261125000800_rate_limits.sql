-- Rate-limit counters, shared by every instance of the facade and every edge function
-- (they are stateless; process memory would give each instance its own limit).

create unlogged table private.rate_limit_counters (
  bucket text primary key,
  window_start timestamptz not null,
  hits integer not null
);
-- Unlogged: counters are worth losing on a crash in exchange for no WAL per request.
comment on table private.rate_limit_counters is
  'Fixed-window request counters per bucket (e.g. "login:ip:203.0.113.7"). Unlogged: a crash resets them, which only forgives.';

alter table private.rate_limit_counters enable row level security;

-- Counts one hit in `bucket` and says whether it is within `max_hits` per window.
create or replace function private.hit_rate_limit(bucket text, max_hits integer, window_seconds integer)
returns table (allowed boolean, hits integer, retry_after_seconds integer)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  current_window timestamptz := to_timestamp(floor(extract(epoch from now()) / window_seconds) * window_seconds);
  counted integer;
begin
  insert into private.rate_limit_counters as c (bucket, window_start, hits)
  values (hit_rate_limit.bucket, current_window, 1)
  on conflict (bucket) do update
    set hits = case when c.window_start = excluded.window_start then c.hits + 1 else 1 end,
        window_start = excluded.window_start
  returning c.hits into counted;

  -- Now and then, forget buckets nobody has hit for a day (no cron job needed).
  if random() < 0.001 then
    delete from private.rate_limit_counters where window_start < now() - interval '1 day';
  end if;

  allowed := counted <= max_hits;
  hits := counted;
  retry_after_seconds := case
    when allowed then 0
    else greatest(1, ceil(extract(epoch from current_window + make_interval(secs => window_seconds) - now()))::integer)
  end;
  return next;
end;
$$;
comment on function private.hit_rate_limit(text, integer, integer) is
  'Counts a hit in a fixed window of window_seconds; allowed is false past max_hits, with seconds until the window resets.';
grant execute on function private.hit_rate_limit(text, integer, integer) to service_role;
