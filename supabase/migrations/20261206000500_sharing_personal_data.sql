-- Share links, clean view counts and link previews in the registry of personal data
-- (private.personal_data, 20261203300200): a resume's share links and the keyed hashes
-- of its visitors go with the resume's owner; the thumbnail is a stored file of the
-- resume, queued for deletion with its row like the PDF (and so deleted by an erasure,
-- or by the worker when the storage failed); the export's analytics are the owner's
-- analytics, by kind of view and per link.

insert into private.personal_data (relation, export_as, subject_rows, hidden_columns, file_columns, on_erasure, erase_order, about) values
  ('public.resume_share_links', 'resume_share_links', 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)',
   '{password_hash}', '{}', 'delete', 10,
   'The share links of your resumes: label, token, expiry, view limit, whether a password or the viewer''s email is asked. Passwords are stored only as hashes, never exported.'),
  ('private.resume_visitors', null, 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'Keyed hashes of today''s viewers of your resumes (no IP, no user id), to tell a repeat view from a first one; forgotten daily.');

update private.personal_data
   set file_columns = '{pdf_filename,thumbnail_key}',
       about = 'Your resumes: name, page count, share link token, QR code, stored file and its first-page thumbnail. The files themselves are in `files`, with short-lived download links.'
 where relation = 'public.resumes'::regclass;

update private.personal_data
   set about = 'Each view of your shared resumes: which link, what kind of view (a person''s first of the day, a repeat, a bot''s preview, your own), the viewer''s IP address, browser and referring page, and the email a viewer gave when a link asked for one. Emails are erased after 90 days; after the retention window (30 days by default) the address is cut to its network (/24, /48), the browser to its family and the referrer to its site.'
 where relation = 'public.resume_access_logs'::regclass;

create or replace function private.personal_data_of(subject uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  subject_email text;
  addresses text[];
  entry record;
  found_rows jsonb;
  data jsonb := '{}';
  about jsonb := '{}';
  files jsonb := '[]';
  column_name text;
  ordering text;
begin
  select u.email into subject_email from auth.users u where u.id = subject;
  select coalesce(array_agg(distinct host(s.ip)) filter (where s.ip is not null), '{}') into addresses
    from auth.sessions s where s.user_id = subject;
  for entry in select d.* from private.personal_data d order by d.relation::text loop
    ordering := case when exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = entry.relation and a.attname = 'id' and not a.attisdropped)
                     then 't.id' else '1' end;
    if entry.export_as is not null then
      execute format('select coalesce(jsonb_agg(to_jsonb(t) - $4 order by %s), ''[]'') from %s as t where %s', ordering, entry.relation, entry.subject_rows)
        into found_rows using subject, coalesce(subject_email, ''), addresses, entry.hidden_columns;
      data := data || jsonb_build_object(entry.export_as, found_rows);
      about := about || jsonb_build_object(entry.export_as, entry.about);
    end if;
    foreach column_name in array entry.file_columns loop
      execute format(
        'select coalesce(jsonb_agg(jsonb_build_object(''source'', %L, ''row_id'', to_jsonb(t) -> ''id'', ''column'', %L, ''storage_key'', to_jsonb(t) ->> %L) order by %s), ''[]'')'
        ' from %s as t where (%s) and to_jsonb(t) ->> %L is not null',
        coalesce(entry.export_as, entry.relation::text), column_name, column_name, ordering, entry.relation, entry.subject_rows, column_name)
        into found_rows using subject, coalesce(subject_email, ''), addresses;
      files := files || found_rows;
    end loop;
  end loop;

  return jsonb_build_object(
    'format', 'previewcv-export/1',
    'generated_at', private.iso_utc(now()),
    'user_id', subject,
    'data', data,
    -- Per resume, what the owner's analytics show over the retention of the access
    -- log: counted views, unique visitors, bot previews and the owner's own views, per
    -- day and per share link, top referrers (public.resume_analytics).
    'resume_analytics', coalesce((
      select jsonb_agg(public.resume_analytics(r.id, 365) order by r.id)
        from public.resumes r where r.user_id = subject), '[]'::jsonb),
    'files', files,
    'about', about
  );
end;
$$;
comment on function private.personal_data_of(uuid) is
  'The export document of one user: every row private.personal_data names as theirs (secrets left out), per-resume analytics (public.resume_analytics, share links included), their stored files (keys; the facade adds signed download links) and what each section is. For admins answering an access request: select private.personal_data_of(''<user id>'');';

