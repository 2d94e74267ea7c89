-- Local development data. Applied by `npm start` (and `supabase db reset`), never in production.
select 1;
