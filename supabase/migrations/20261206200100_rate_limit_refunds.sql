-- A rate-limit hit can be taken back (hole 4 of issue 11: anyone could lock a user out
-- of login).
--
-- Until now every login attempt counted against the email's limit (10 per 5 minutes)
-- before the password was checked, so ten wrong passwords from anyone locked the owner
-- out. The servers now count only failed attempts against an account: each attempt is
-- counted first (so parallel guesses cannot slip past the limit between a check and a
-- count), and an attempt that was not a wrong password (a successful login, or one
-- refused by another limit) takes its hit back with this function. The share links'
-- password limit does the same inside private.fetch_shared_resume.

-- Takes back one hit of `bucket` in the current window (never below zero). A hit whose
-- window has ended needs no refund: its window no longer counts.
create or replace function private.refund_rate_limit(bucket text, window_seconds integer)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.rate_limit_counters c
     set hits = c.hits - 1
   where c.bucket = refund_rate_limit.bucket
     and c.hits > 0
     and c.window_start = to_timestamp(floor(extract(epoch from now()) / refund_rate_limit.window_seconds) * refund_rate_limit.window_seconds);
$$;
comment on function private.refund_rate_limit(text, integer) is
  'Takes back one hit counted by private.hit_rate_limit in the current window of window_seconds (for an attempt that turned out not to count, e.g. a successful login). Granted to the servers'' role previewcv_api only.';
grant execute on function private.refund_rate_limit(text, integer) to previewcv_api;
