-- In-app notifications: what the events of 20261202000100 tell each person they
-- concern, written by the worker. The owner reads them and marks them read, through
-- supabase-js (under RLS, live through Realtime's postgres_changes) and through
-- /api/v1/notifications; nobody else sees any of them.

create type public.notification_type as enum (
  'resume.viewed',
  'application.created',
  'application.status_changed',
  'application.withdrawn',
  'job_posting.closed',
  'job_posting.expired',
  'webhook_endpoint.disabled'
);
comment on type public.notification_type is 'The event a notification tells of (public.event_type), or webhook_endpoint.disabled when one of the user''s webhook endpoints was switched off.';

create table public.notifications (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  type public.notification_type not null,
  title text not null constraint notifications_title_length check (char_length(title) <= 200),
  body text not null constraint notifications_body_length check (char_length(body) <= 1000),
  data jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);

-- The owner's list, newest first, keyset by (created_at, id); the policies' user_id.
create index notifications_user_id_created_at_idx on public.notifications (user_id, created_at desc, id desc);
-- The unread count: only unread rows are in it.
create index notifications_user_id_unread_idx on public.notifications (user_id) where read_at is null;

comment on table public.notifications is
  'What happened that concerns the user (a view of their resume, an application, a status change, a posting closing or expiring, a webhook endpoint switched off). Written by the worker; the owner reads them and marks them read. In the supabase_realtime publication.';
comment on column public.notifications.data is 'Ids and values of the event (resume_id, application_id, job_id, statuses, view_count...), for links in the frontend.';
comment on column public.notifications.read_at is 'When the owner first marked it read (kept by the database: a client sets it to any non-null value, or null to mark it unread again).';

grant select on public.notifications to authenticated;
grant update (read_at) on public.notifications to authenticated;

alter table public.notifications enable row level security;

-- read_at is the moment of reading, whatever the client sent; marking a read
-- notification read again keeps the first moment.
create or replace function private.keep_notification_read_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.read_at := case when new.read_at is null then null else coalesce(old.read_at, now()) end;
  return new;
end;
$$;
comment on function private.keep_notification_read_at() is 'Trigger: read_at is set by the database (now(), or the first reading), never by the client.';

create trigger notifications_keep_read_at
  before update of read_at on public.notifications
  for each row execute function private.keep_notification_read_at();

create policy "owners read own notifications"
  on public.notifications for select
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));

create policy "owners mark own notifications read"
  on public.notifications for update
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()))
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()));

-- Live to frontends: supabase.channel(...).on('postgres_changes', { event: 'INSERT',
-- schema: 'public', table: 'notifications' }, ...). Realtime checks each change against
-- the subscriber's select policy, so each user receives their own rows only. Every
-- hosted project has this publication (created empty by Supabase); the local platform
-- bootstrap (sql/supabase_platform.sql) creates it the same way.
alter publication supabase_realtime add table public.notifications;
