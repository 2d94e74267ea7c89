// A realistic job board for benchmarks, made in SQL with generate_series: recruiters
// (auth users, so the profile triggers run), then postings spread like a real board's
// (job types and levels skewed, a long tail of locations with some remote and some
// unknown, two years of created_at, ~15% deactivated, about half with an expiry of
// 30-90 days, so most old ones have expired, and the postings of the 2% of recruiters
// whose accounts were deactivated, unlisted with them), with text to search: titles from a
// level x role list, companies, and descriptions drawn from a vocabulary with a skewed
// word frequency (common words are common, "kubernetes" or "rust" are not).
//
// Fast path: the posting table's indexes are dropped, the rows inserted by parallel
// statements on separate connections (the tsvector of every row is computed on insert:
// that is most of the time), the indexes rebuilt side by side, then VACUUM ANALYZE so
// statistics and the visibility map are what a settled production table has. For the
// load, max_wal_size is raised (and reset after): with the default 1 GB the 1.2 GB
// table forces checkpoints mid-load, after each of which every page's first change
// writes a full-page image to the WAL; that alone doubled the load time here.
// For throwaway benchmark databases only (it changes server settings).
import postgres from "postgres";

export interface SeedOptions {
  postings: number;
  recruiters?: number;
  /** Statements run side by side (one per core is right). */
  parallelism?: number;
  log?: (line: string) => void;
}

export interface SeedReport {
  recruitersMs: number;
  insertMs: number;
  indexMs: number;
  vacuumMs: number;
  open: number;
  total: number;
  tableMb: number;
}

/** The words descriptions are made of, most frequent first. */
export const vocabulary = `team product platform build design customer data cloud service scale system support develop
engineering work remote hybrid growth fast paced startup enterprise global mission users quality testing deliver
features backend frontend mobile web api database infrastructure security analytics machine learning reliable modern
stack agile collaborate ownership mentor lead strategy roadmap stakeholders communication problem solving experience
benefits equity salary health insurance vacation flexible hours office culture diverse inclusive opportunity career
learning budget conference travel clients partners sales marketing finance operations logistics retail healthcare
education fintech payments ecommerce gaming media automotive energy climate sustainability research laboratory
manufacturing supply chain hardware embedded firmware networking distributed microservices containers kubernetes
terraform aws azure gcp postgres redis kafka spark python java golang rust typescript react vue angular swift kotlin
graphql observability monitoring incident oncall compliance privacy accessibility localization documentation
onboarding hiring interviews`.split(/\s+/);

const levels = ["Junior", "", "", "Senior", "Senior", "Staff", "Lead", "Principal"];
const roles = [
  "Backend Engineer", "Frontend Developer", "Full Stack Engineer", "Data Scientist", "Data Engineer", "Product Manager",
  "Product Designer", "DevOps Engineer", "Site Reliability Engineer", "Mobile Developer", "QA Engineer", "Security Engineer",
  "Machine Learning Engineer", "Sales Representative", "Account Executive", "Customer Success Manager", "Marketing Manager",
  "Content Writer", "Recruiter", "Accountant", "Financial Analyst", "Registered Nurse", "Teacher", "Operations Manager",
  "Project Manager", "Business Analyst", "Support Specialist", "Electrical Engineer", "Mechanical Engineer",
  "Warehouse Associate", "Rust Developer", "Go Developer", "Python Developer", "Java Developer", "iOS Engineer",
  "Android Engineer", "Embedded Software Engineer", "Database Administrator", "Technical Writer", "UX Researcher",
];
const companyWords = [
  ["Blue", "Bright", "North", "Quantum", "Green", "Silver", "Rapid", "Golden", "Iron", "Clear", "Open", "Deep", "Swift", "Stellar", "Urban", "Prime", "Nova", "Atlas", "Summit", "Vertex"],
  ["River", "Peak", "Labs", "Forge", "Wave", "Systems", "Works", "Logic", "Bridge", "Harbor", "Pixel", "Stack", "Orbit", "Field", "Stone", "Cloud", "Signal", "Motion", "Grid", "Spark"],
  ["Inc.", "GmbH", "Ltd", "Group", "Technologies"],
];
/** Most frequent first: a posting's location is drawn with a strong skew towards the head. */
const locations = [
  "San Francisco, CA", "New York, NY", "London, UK", "Berlin, Germany", "Seattle, WA", "Austin, TX", "Toronto, Canada",
  "Boston, MA", "Amsterdam, Netherlands", "Paris, France", "Chicago, IL", "Los Angeles, CA", "Bangalore, India", "Dublin, Ireland",
  "Munich, Germany", "Denver, CO", "Singapore", "Sydney, Australia", "Stockholm, Sweden", "Barcelona, Spain", "Atlanta, GA",
  "Miami, FL", "Portland, OR", "San Diego, CA", "Washington, DC", "Zurich, Switzerland", "Madrid, Spain", "Lisbon, Portugal",
  "Copenhagen, Denmark", "Warsaw, Poland", "Prague, Czechia", "Vienna, Austria", "Milan, Italy", "Tokyo, Japan", "Seoul, South Korea",
  "Melbourne, Australia", "Vancouver, Canada", "Montreal, Canada", "Manchester, UK", "Hamburg, Germany", "Lyon, France",
  "Rotterdam, Netherlands", "Rome, Italy", "Oslo, Norway", "Helsinki, Finland", "Tallinn, Estonia", "Mumbai, India",
  "Auckland, New Zealand", "São Paulo, Brazil", "Mexico City, Mexico", "Buenos Aires, Argentina", "Cape Town, South Africa",
  "Nairobi, Kenya", "Philadelphia, PA", "Dallas, TX", "Houston, TX", "Phoenix, AZ", "Minneapolis, MN", "Detroit, MI", "Raleigh, NC",
];

export async function seedJobPostings(superuserUrl: string, options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => {});
  const recruiters = options.recruiters ?? 1000;
  const parallelism = Math.max(1, options.parallelism ?? 2);
  const sql = postgres(superuserUrl, { max: parallelism, onnotice: () => {} });
  const time = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  try {
    const recruitersMs = await time(() => sql`
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                              raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
             'bench.recruiter.' || g || '@example.test', '', now(), '{"provider":"email","providers":["email"]}',
             jsonb_build_object('full_name', 'Bench Recruiter ' || g, 'user_type', 'recruiter'), now(), now()
        from generate_series(1, ${recruiters}::int) g`);
    log(`  ${recruiters} recruiters (auth users + profile triggers): ${(recruitersMs / 1000).toFixed(1)} s`);

    // One recruiter in fifty deactivated, as an admin would (profiles.is_active): their
    // postings carry recruiter_is_active = false (the foreign key to profiles (id,
    // is_active) holds them to it), and the listing must leave them out and keep its indexes.
    const [deactivated] = await sql`
      with off as (
        update public.profiles p set is_active = false
         where p.user_type = 'recruiter'
           and substring(p.email from '^bench[.]recruiter[.]([0-9]+)@example[.]test$')::int % 50 = 0
        returning 1
      )
      select count(*)::int as n from off`;
    log(`  ${deactivated!.n} of them deactivated (their postings unlisted)`);

    // Lookup tables the inserts join against (unlogged: thrown away at the end).
    await sql`drop schema if exists bench_seed cascade`;
    await sql`create schema bench_seed`;
    await sql`
      create unlogged table bench_seed.recruiters as
        select (row_number() over (order by id))::int - 1 as n, id, is_active from public.profiles where user_type = 'recruiter'`;
    await sql`
      create unlogged table bench_seed.titles as
        select (row_number() over ())::int - 1 as n, btrim(l || ' ' || r) as title
          from unnest(${levels}::text[]) l, unnest(${roles}::text[]) r`;
    await sql`
      create unlogged table bench_seed.companies as
        select (row_number() over ())::int - 1 as n, a || ' ' || b || ' ' || c as name
          from unnest(${companyWords[0]!}::text[]) a, unnest(${companyWords[1]!}::text[]) b, unnest(${companyWords[2]!}::text[]) c`;
    await sql`
      create unlogged table bench_seed.locations as
        select (i - 1)::int as n, loc from unnest(${locations}::text[]) with ordinality as t(loc, i)`;
    // 5,000 descriptions of 20-40 words; word i of the vocabulary is drawn with a
    // probability falling off with i (power 1.6 of a uniform draw).
    await sql`
      create unlogged table bench_seed.descriptions as
        with v as (select ${vocabulary}::text[] as words)
        select d as n,
               initcap(v.words[1 + d % 40]) || ' ' ||
               (select string_agg(v.words[1 + floor(power(random(), 1.6) * cardinality(v.words))::int + 0 * k], ' ')
                  from generate_series(1, 20 + d % 21 + 0 * d) k) || '.' as text
          from generate_series(0, 4999) d, v`;
    const [counts] = await sql`
      select (select count(*) from bench_seed.recruiters)::int as recruiters, (select count(*) from bench_seed.titles)::int as titles,
             (select count(*) from bench_seed.companies)::int as companies, (select count(*) from bench_seed.locations)::int as locations`;

    await sql`alter system set max_wal_size = '8GB'`;
    await sql`select pg_reload_conf()`;

    // Drop every index but the primary key; they are rebuilt after the load.
    const indexes = await sql<{ name: string; definition: string }[]>`
      select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition
        from pg_index where indrelid = 'public.job_postings'::regclass and not indisprimary`;
    for (const index of indexes) await sql.unsafe(`drop index ${index.name}`);

    const insertMs = await time(() =>
      Promise.all(
        Array.from({ length: parallelism }, (_, part) => {
          const from = Math.floor((options.postings * part) / parallelism) + 1;
          const to = Math.floor((options.postings * (part + 1)) / parallelism);
          return sql.begin(async (tx) => {
            await tx`set local synchronous_commit = off`;
            await tx`
              insert into public.job_postings (recruiter_id, title, company_name, location, job_type, experience_level, description,
                                               requirements, salary_range, is_active, created_at, updated_at, expires_at,
                                               recruiter_is_active)
              select rec.id, t.title, c.name,
                     case when s.r_loc < 0.05 then null when s.r_loc < 0.17 then 'Remote' else l.loc end,
                     (case when s.r_type < 0.60 then 'full-time' when s.r_type < 0.80 then 'contract'
                           when s.r_type < 0.92 then 'part-time' else 'internship' end)::public.job_type,
                     (case when s.r_level < 0.25 then 'entry' when s.r_level < 0.65 then 'mid'
                           when s.r_level < 0.90 then 'senior' else 'lead' end)::public.experience_level,
                     d.text,
                     case when s.g % 3 = 0 then 'Experience as ' || t.title || '; clear communication.' end,
                     case when s.g % 2 = 0 then '$' || (40 + s.g % 120) || 'k - $' || (60 + s.g % 150) || 'k' end,
                     s.r_active < 0.85,
                     s.created_at, s.created_at,
                     case when s.r_expiry < 0.45 then null else s.created_at + make_interval(days => 30 + (s.g % 61)::int) end,
                     rec.is_active
                from (select g, random() as r_loc, random() as r_type, random() as r_level, random() as r_active, random() as r_expiry,
                             now() - random() * interval '730 days' as created_at,
                             floor(power(random(), 2) * ${counts!.locations}::int)::int as loc_n,
                             floor(random() * ${counts!.titles}::int)::int as title_n,
                             floor(random() * ${counts!.companies}::int)::int as company_n,
                             floor(random() * 5000)::int as description_n,
                             floor(random() * ${counts!.recruiters}::int)::int as recruiter_n
                        from generate_series(${from}::int, ${to}::int) g) s
                join bench_seed.recruiters rec on rec.n = s.recruiter_n
                join bench_seed.titles t on t.n = s.title_n
                join bench_seed.companies c on c.n = s.company_n
                join bench_seed.locations l on l.n = s.loc_n
                join bench_seed.descriptions d on d.n = s.description_n`;
          });
        }),
      ),
    );
    log(`  ${options.postings.toLocaleString("en")} postings inserted (${parallelism} statements side by side): ${(insertMs / 1000).toFixed(1)} s`);

    // The indexes again, the largest (GIN) first so the two lanes finish together.
    const order = [...indexes].sort((a, b) => Number(/using gin/i.test(b.definition)) - Number(/using gin/i.test(a.definition)));
    const indexMs = await time(async () => {
      const queue = [...order];
      await Promise.all(
        Array.from({ length: parallelism }, () =>
          sql.begin(async (tx) => {
            await tx`set local maintenance_work_mem = '256MB'`;
            await tx`set local max_parallel_maintenance_workers = 0`;
            for (let index = queue.shift(); index; index = queue.shift()) await tx.unsafe(index.definition);
          }),
        ),
      );
    });
    log(`  ${indexes.length} indexes rebuilt: ${(indexMs / 1000).toFixed(1)} s`);

    const vacuumMs = await time(() => sql`vacuum (analyze) public.job_postings`);
    log(`  vacuum analyze: ${(vacuumMs / 1000).toFixed(1)} s`);
    await sql`drop schema bench_seed cascade`;
    await sql`alter system reset max_wal_size`;
    await sql`select pg_reload_conf()`;

    const [summary] = await sql`
      select count(*) filter (where private.job_posting_is_open(j))::int as open, count(*)::int as total,
             (pg_total_relation_size('public.job_postings') / 1048576)::int as table_mb
        from public.job_postings j`;
    return { recruitersMs, insertMs, indexMs, vacuumMs, open: summary!.open, total: summary!.total, tableMb: summary!.table_mb };
  } finally {
    await sql.end();
  }
}
