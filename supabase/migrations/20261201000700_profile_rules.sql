-- The rules for profile fields, enforced once, in the database, for every path that
-- writes them (hole 10 of issue 11). Through /auth/v1/signup (Supabase Auth writes
-- auth.users with whatever user_metadata the client sent) control characters in
-- company_name and phone = 'not a phone <script>' were stored: only the facade's zod
-- schemas (src/api/auth/model.ts, src/api/recruiters/model.ts) checked them.
--
-- The same rules, now as check constraints on the tables (lengths are the columns'
-- varchar limits):
--   * names and short texts: no control characters (C0, DEL, C1; written out as the
--     regular expression [\u0001-\u001f\u007f-\u009f]);
--   * a profile's full_name is not blank (the trigger stores a blank one as null);
--   * company_website, linkedin_url, logo_url: http(s) URLs, no spaces or control
--     characters;
--   * phone: digits, spaces and + ( ) - . only;
--   * username, recruiter_type, years_experience, bio: as before.
-- Each constraint's comment says its rule in words; the sign-up triggers answer a
-- broken rule with that sentence.
--
-- What a sign-up with bad metadata gets back: the triggers on auth.users raise
-- SQLSTATE PT422 with a message naming the field and its rule ("Invalid
-- recruiter_profile.phone: digits, spaces and + ( ) - . only"), and the whole sign-up
-- is rolled back (no user, identity or profile is left). Supabase Auth passes a trigger's
-- PTxxx error through as HTTP xxx with {code, message} to clients of its initial API
-- (GoTrue: internal/utilities/postgres.go), where a check violation would have been a
-- 500; to clients that send X-Supabase-Api-Version 2024-01-01 (supabase-js) every
-- database error of a sign-up is the same 500 "Database error saving new user", which
-- no trigger can change. So PT422 is the clearest answer a trigger can give; the
-- facade's zod checks give the same rules earlier, with 422s of their own.

-- Existing values that break the rules: control characters in names become spaces; a
-- phone or link that is not one is dropped (all are optional fields: a value that is no
-- phone number or http(s) URL could never be used as one).
update public.profiles
   set full_name = nullif(btrim(regexp_replace(full_name, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')), '')
 where full_name ~ '[\u0001-\u001f\u007f-\u009f]' or btrim(full_name) = '';
update public.recruiter_profiles
   set company_name = btrim(regexp_replace(company_name, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')),
       company_size = btrim(regexp_replace(company_size, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')),
       industry = btrim(regexp_replace(industry, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')),
       full_name = btrim(regexp_replace(full_name, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')),
       specialization = btrim(regexp_replace(specialization, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g')),
       location = btrim(regexp_replace(location, '[\u0001-\u001f\u007f-\u009f]', ' ', 'g'))
 where concat_ws(' ', company_name, company_size, industry, full_name, specialization, location) ~ '[\u0001-\u001f\u007f-\u009f]';
update public.recruiter_profiles set phone = null where phone !~ '^[0-9+(). -]*$';
update public.recruiter_profiles
   set company_website = null
 where not (company_website ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and company_website !~ '[\u0001-\u001f\u007f-\u009f]');
update public.recruiter_profiles
   set linkedin_url = null
 where not (linkedin_url ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and linkedin_url !~ '[\u0001-\u001f\u007f-\u009f]');
update public.recruiter_profiles
   set logo_url = null
 where not (logo_url ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and logo_url !~ '[\u0001-\u001f\u007f-\u009f]');

alter table public.profiles
  add constraint profiles_full_name_clean check (full_name !~ '[\u0001-\u001f\u007f-\u009f]' and btrim(full_name) <> '');
comment on constraint profiles_full_name_clean on public.profiles is 'full_name: not blank, no control characters';

alter table public.recruiter_profiles
  drop constraint recruiter_profiles_company_website_http,
  drop constraint recruiter_profiles_linkedin_url_http,
  drop constraint recruiter_profiles_logo_url_http,
  add constraint recruiter_profiles_company_name_clean check (company_name !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_company_size_clean check (company_size !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_industry_clean check (industry !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_full_name_clean check (full_name !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_specialization_clean check (specialization !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_location_clean check (location !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_phone_format check (phone ~ '^[0-9+(). -]*$'),
  add constraint recruiter_profiles_company_website_url
    check (company_website ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and company_website !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_linkedin_url_url
    check (linkedin_url ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and linkedin_url !~ '[\u0001-\u001f\u007f-\u009f]'),
  add constraint recruiter_profiles_logo_url_url
    check (logo_url ~* '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$' and logo_url !~ '[\u0001-\u001f\u007f-\u009f]');

comment on constraint recruiter_profiles_company_name_clean on public.recruiter_profiles is 'company_name: must not contain control characters';
comment on constraint recruiter_profiles_company_size_clean on public.recruiter_profiles is 'company_size: must not contain control characters';
comment on constraint recruiter_profiles_industry_clean on public.recruiter_profiles is 'industry: must not contain control characters';
comment on constraint recruiter_profiles_full_name_clean on public.recruiter_profiles is 'full_name: must not contain control characters';
comment on constraint recruiter_profiles_specialization_clean on public.recruiter_profiles is 'specialization: must not contain control characters';
comment on constraint recruiter_profiles_location_clean on public.recruiter_profiles is 'location: must not contain control characters';
comment on constraint recruiter_profiles_phone_format on public.recruiter_profiles is 'phone: digits, spaces and + ( ) - . only';
comment on constraint recruiter_profiles_company_website_url on public.recruiter_profiles is 'company_website: must be an http(s) URL';
comment on constraint recruiter_profiles_linkedin_url_url on public.recruiter_profiles is 'linkedin_url: must be an http(s) URL';
comment on constraint recruiter_profiles_logo_url_url on public.recruiter_profiles is 'logo_url: must be an http(s) URL';
comment on constraint recruiter_profiles_username_format on public.recruiter_profiles is 'username: 3-100 letters, digits, - or _, starting with a letter or digit';
comment on constraint recruiter_profiles_years_experience_range on public.recruiter_profiles is 'years_experience: a whole number from 0 to 80';
comment on constraint recruiter_profiles_bio_length on public.recruiter_profiles is 'bio: at most 5000 characters';
comment on constraint recruiter_profiles_names_the_recruiter on public.recruiter_profiles is 'company_name (for a company) or full_name (for an individual): required';

-- The sign-up triggers' answer to a refused row: PT422 with the field and its rule in
-- words, from the broken constraint's comment (or the column's length for a value too
-- long). `field_prefix` is how the sign-up names the table's fields ('' for profiles,
-- 'recruiter_profile.' for the recruiter block); `sent` what was sent for them.
create or replace function private.raise_sign_up_problem(
  target_table regclass,
  field_prefix text,
  sent jsonb,
  failed_sqlstate text,
  failed_constraint text,
  failed_message text
)
returns void
language plpgsql
set search_path = ''
as $$
declare
  rule text;
begin
  if failed_sqlstate = '22001' then
    -- A varchar too long: say which field, and its limit.
    select a.attname || ': at most ' || (a.atttypmod - 4) || ' characters' into rule
      from pg_catalog.pg_attribute a
     where a.attrelid = target_table and a.attnum > 0 and not a.attisdropped
       and a.atttypid = 'pg_catalog.varchar'::pg_catalog.regtype and a.atttypmod > 4
       and char_length(sent ->> a.attname::text) > a.atttypmod - 4
     order by a.attnum
     limit 1;
  elsif failed_constraint is not null then
    select pg_catalog.obj_description(c.oid, 'pg_constraint') into rule
      from pg_catalog.pg_constraint c
     where c.conrelid = target_table and c.conname = failed_constraint;
  end if;
  raise exception 'Invalid %', field_prefix || coalesce(rule, failed_message)
    using errcode = 'PT422', hint = coalesce(failed_constraint, '');
end;
$$;
comment on function private.raise_sign_up_problem(regclass, text, jsonb, text, text, text) is
  'Helper of the sign-up triggers: raises PT422 "Invalid <field>: <rule>" for a row a constraint refused, the rule taken from the constraint''s comment.';

-- On sign-up: the profile, from the metadata the client sent (see
-- 20261125000200_profiles.sql), its full_name trimmed as the facade trims it, and a
-- refusal answered PT422.
create or replace function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  metadata jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  requested_type text := coalesce(nullif(metadata ->> 'user_type', ''), 'candidate');
  name text := nullif(btrim(metadata ->> 'full_name'), '');
  failed_sqlstate text;
  failed_constraint text;
  failed_message text;
begin
  if requested_type not in ('candidate', 'recruiter') then
    raise exception 'Invalid user_type: must be candidate or recruiter'
      using errcode = 'PT422', hint = 'user_type is candidate or recruiter';
  end if;

  begin
    insert into public.profiles (id, email, full_name, user_type, last_login)
    values (new.id, new.email, name, requested_type::public.user_type, new.last_sign_in_at);
  exception when check_violation or string_data_right_truncation then
    get stacked diagnostics failed_sqlstate = returned_sqlstate, failed_constraint = constraint_name, failed_message = message_text;
    perform private.raise_sign_up_problem('public.profiles'::regclass, '', jsonb_build_object('full_name', name),
                                          failed_sqlstate, nullif(failed_constraint, ''), failed_message);
  end;
  return new;
end;
$$;

-- A recruiter's sign-up block, checked as the facade checks it: every text trimmed
-- (blank is absent), recruiter_type and years_experience of the right kind, then the
-- table's constraints, whose refusals are answered PT422.
create or replace function private.handle_new_recruiter_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  requested jsonb := new.raw_user_meta_data -> 'recruiter_profile';
  field text;
  profile jsonb := '{}'::jsonb;
  failed_sqlstate text;
  failed_constraint text;
  failed_message text;
begin
  if requested is null or jsonb_typeof(requested) <> 'object' then
    return new;
  end if;
  if coalesce(new.raw_user_meta_data ->> 'user_type', 'candidate') <> 'recruiter' then
    raise exception 'Invalid recruiter_profile: a recruiter_profile needs user_type "recruiter"' using errcode = 'PT422';
  end if;

  -- Texts trimmed, blanks dropped; anything but a string or a number is refused.
  for field in select jsonb_object_keys(requested) loop
    if jsonb_typeof(requested -> field) not in ('string', 'number', 'null') then
      raise exception 'Invalid recruiter_profile.%: must be text', field using errcode = 'PT422';
    end if;
    if nullif(btrim(requested ->> field), '') is not null then
      profile := profile || jsonb_build_object(field, btrim(requested ->> field));
    end if;
  end loop;
  -- An individual's profile defaults to the account's own name.
  if profile ->> 'recruiter_type' = 'individual' and not profile ? 'full_name'
     and nullif(btrim(new.raw_user_meta_data ->> 'full_name'), '') is not null then
    profile := profile || jsonb_build_object('full_name', btrim(new.raw_user_meta_data ->> 'full_name'));
  end if;

  if not profile ? 'username' then
    raise exception 'Invalid recruiter_profile.username: required' using errcode = 'PT422';
  end if;
  if coalesce(profile ->> 'recruiter_type', '') not in ('company', 'individual') then
    raise exception 'Invalid recruiter_profile.recruiter_type: must be company or individual' using errcode = 'PT422';
  end if;
  if profile ? 'years_experience' and profile ->> 'years_experience' !~ '^[0-9]{1,2}$' then
    raise exception 'Invalid recruiter_profile.years_experience: a whole number from 0 to 80' using errcode = 'PT422';
  end if;

  begin
    insert into public.recruiter_profiles (
      user_id, username, recruiter_type, company_name, company_website, company_size, industry,
      full_name, specialization, years_experience, bio, logo_url, phone, linkedin_url, location
    ) values (
      new.id,
      profile ->> 'username',
      (profile ->> 'recruiter_type')::public.recruiter_type,
      profile ->> 'company_name',
      profile ->> 'company_website',
      profile ->> 'company_size',
      profile ->> 'industry',
      profile ->> 'full_name',
      profile ->> 'specialization',
      (profile ->> 'years_experience')::integer,
      profile ->> 'bio',
      profile ->> 'logo_url',
      profile ->> 'phone',
      profile ->> 'linkedin_url',
      profile ->> 'location'
    );
  exception when check_violation or string_data_right_truncation then
    get stacked diagnostics failed_sqlstate = returned_sqlstate, failed_constraint = constraint_name, failed_message = message_text;
    perform private.raise_sign_up_problem('public.recruiter_profiles'::regclass, 'recruiter_profile.', profile,
                                          failed_sqlstate, nullif(failed_constraint, ''), failed_message);
  end;

  update auth.users
     set raw_user_meta_data = raw_user_meta_data - 'recruiter_profile'
   where id = new.id;
  return new;
end;
$$;
