-- Local development data, applied by `npm start`, `npm run db:reset` and
-- `supabase db reset`. Never applied to a hosted project.

-- The API token previewcv.com uses in development (printed by `npm start`). Only its
-- digest is stored, as for every token. Production tokens come from
-- private.create_api_token(...) and are never written in a file.
insert into public.api_tokens (token_hash, token_prefix, token_name)
values (extensions.digest('pcv_local_development_token_not_for_production', 'sha256'), 'pcv_local_de', 'local development (previewcv.com)')
on conflict (token_hash) do nothing;
