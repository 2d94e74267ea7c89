-- Keep the recruiter_profile sign-up block out of user_metadata for good.
--
-- The insert trigger strips it once, but Supabase Auth's admin API writes the whole
-- user_metadata it holds in memory back after the insert (when it confirms the email),
-- which brings the block back, and with it the recruiter's phone into every access
-- token. The block only means something at sign-up, so any later write drops it.

create or replace function private.drop_recruiter_profile_metadata()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.raw_user_meta_data ? 'recruiter_profile' then
    new.raw_user_meta_data := new.raw_user_meta_data - 'recruiter_profile';
  end if;
  return new;
end;
$$;
comment on function private.drop_recruiter_profile_metadata() is
  'Trigger on auth.users update: removes user_metadata.recruiter_profile, which is read only when the user is created.';

create trigger on_auth_user_updated_drop_recruiter_profile
  before update of raw_user_meta_data on auth.users
  for each row execute function private.drop_recruiter_profile_metadata();

-- Supabase Auth also copies a sign-up's `data` into the email identity's
-- identity_data (returned in user.identities): drop the block there too.
create or replace function private.drop_recruiter_profile_identity_data()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.identity_data := new.identity_data - 'recruiter_profile';
  return new;
end;
$$;
comment on function private.drop_recruiter_profile_identity_data() is
  'Trigger on auth.identities: removes identity_data.recruiter_profile, a copy of the sign-up block.';

create trigger on_auth_identity_drop_recruiter_profile
  before insert or update of identity_data on auth.identities
  for each row
  when (new.identity_data ? 'recruiter_profile')
  execute function private.drop_recruiter_profile_identity_data();
