-- A minimized Referer keeps no credentials. private.referer_site (20261203300300_retention.sql)
-- cut a referer at its first '/', '?', '#' or '@': `https://user:pw@host/page` became
-- `https://user:pw`, the credentials kept and the site lost. Browsers never send userinfo
-- in a Referer, but previewcv.com forwards its viewer's referer as it got it
-- (X-Viewer-Referer). Now the userinfo (everything up to the authority's last '@', as URL
-- parsers read it) is dropped and the site kept: scheme://host[:port].

create or replace function private.referer_site(referer text)
returns text
language sql
immutable
set search_path = ''
as $$
  select site[1] || site[2]
    from regexp_match(referer, '^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#[:space:]]*@)?([^/?#@[:space:]]+)') as site;
$$;
comment on function private.referer_site(text) is
  'A Referer as its site, scheme://host[:port]: https://www.linkedin.com/in/jane?x=1 becomes https://www.linkedin.com, and https://user:pw@host/x becomes https://host (credentials are never kept).';

-- Views minimized before this kept `scheme://user:password` where the site should be. A
-- site is a host (a name, an address, or an IPv6 address in brackets) and an optional
-- numeric port: a minimized referer that is no such thing held credentials, and goes.
update public.resume_access_logs
   set referer = null
 where minimized_at is not null
   and referer !~ '^[A-Za-z][A-Za-z0-9+.-]*://(\[[0-9A-Fa-f:.]+\]|[^/?#@:[:space:]]+)(:[0-9]*)?$';
