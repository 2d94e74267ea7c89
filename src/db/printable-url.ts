// A database URL as it may appear in a terminal or a log: the password masked, except
// the documented local superuser's (postgres/postgres on this machine, as `supabase
// start` prints its own), which is no secret and which a developer needs to copy.
const documentedLocalSuperuser = { user: "postgres", password: "postgres" };

export function printableDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    const documented = local && parsed.username === documentedLocalSuperuser.user && decodeURIComponent(parsed.password) === documentedLocalSuperuser.password;
    if (parsed.password && !documented) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
