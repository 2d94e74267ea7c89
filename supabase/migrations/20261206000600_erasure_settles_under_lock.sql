-- An erasure whose last files are deleted at the same time completes. Before this,
-- private.settle_account_erasure counted the erasure's remaining files without a lock:
-- two files deleted concurrently (the servers delete up to five at once; an account with
-- a resume now has its PDF and its thumbnail) each saw the other's row still there, both
-- answered "pending", and nothing settled the erasure again: it stayed pending for ever,
-- holding the user id. Now the erasure's row is locked first, so the settlements queue
-- and the last one counts after the others committed (READ COMMITTED takes a new
-- snapshot for each statement).

create or replace function private.settle_account_erasure(target_erasure_id bigint)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  settled text;
begin
  perform 1 from private.account_erasures e where e.id = target_erasure_id for update;
  update private.account_erasures e
     set completed_at = now(), user_id = null, last_error = null
   where e.id = target_erasure_id and e.completed_at is null and e.auth_user_deleted_at is not null
     and not exists (select 1 from private.stored_file_deletions f where f.erasure_id = e.id);
  select case when e.completed_at is null then 'pending' else 'completed' end into settled
    from private.account_erasures e where e.id = target_erasure_id;
  return settled;
end;
$$;
comment on function private.settle_account_erasure(bigint) is
  'Marks an erasure completed (and clears its user id) once its auth user and every file are gone; returns pending or completed. Locks the erasure''s row first, so concurrent settlements (files deleted in parallel) queue and the last one sees every deletion.';
