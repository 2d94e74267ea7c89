-- The servers answer a caller who may not act with 401 or 403 (issue 11, holes 1 and 2),
-- not with the empty lists and 404s the policies alone give them, without a round trip
-- of their own:
--   * asCaller (src/db/client.ts) reads private.caller_state() in the statement that
--     switches to the caller's role and sets the JWT claims. That statement starts as
--     the servers' login role, which must therefore run the function itself. It answers
--     about the claims just set, the caller's own, and nothing else.
--   * The public fetch (src/core/resumes/public-fetch.ts) tells the resume's owner apart
--     by an optional bearer token; a token whose session ended or whose account may not
--     act must not count as the owner's, so it passes the token's sub to
--     private.fetch_shared_resume only when private.account_state says 'active', in
--     the same statement.
grant execute on function private.caller_state() to previewcv_api;
grant execute on function private.account_state(uuid, uuid) to previewcv_api;
