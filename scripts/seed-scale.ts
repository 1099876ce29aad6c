// `npm run seed:scale [-- --loans N --lenders M --surveys S]`: loads a
// marketplace-sized data set (default 100,000 loans, 50,000 lenders and
// 1,000,000 PPI surveys) into the database named by DATABASE_URL, for
// benchmarks and for trying the site at scale.
//
// Set-based: a handful of INSERT … SELECT statements over generate_series,
// with the reference data (countries, partners, sectors) passed in once as
// JSON, all in one transaction. Everything it writes has an id starting with
// `scale-`; a second run finds those and leaves the database alone.
//
// Loans carry sold-share and lender counters but no LoanShare rows: no money
// moves, so the ledger stays empty and balanced. All people are fictional.
import { parseArgs } from "node:util";
import { minorDigits } from "~/lib/money.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { closeDb, getDb, type Db } from "~/utils/db.server.ts";
import { hashPassword } from "~/utils/password.server.ts";

type Region = { name: string; villages: [string, string, string] };
type Country = {
  code: string;
  currency: string;
  /** Local currency per US dollar. */
  fx: number;
  /** Share of all loans. */
  weight: number;
  names: keyof typeof NAMES;
  regions: Region[];
  partners: string[];
};

const NAMES = {
  eastAfrica: {
    women: ["Achieng", "Wanjiru", "Nafula", "Akinyi", "Nakato", "Apio", "Neema", "Uwase", "Mukamana", "Rehema"],
    men: ["Otieno", "Kamau", "Kiprono", "Okello", "Mugisha", "Baraka", "Habimana", "Juma"],
    surnames: ["Odhiambo", "Kariuki", "Wekesa", "Namusoke", "Ocen", "Mushi", "Niyonzima", "Mwakyusa", "Langat", "Kintu"],
  },
  westAfrica: {
    women: ["Ama", "Akosua", "Fatou", "Aminata", "Ngozi", "Adaeze", "Hauwa", "Awa", "Efua", "Yetunde"],
    men: ["Kwame", "Kofi", "Moussa", "Ibrahima", "Chinedu", "Musa", "Tunde", "Abdoulaye"],
    surnames: ["Mensah", "Owusu", "Diop", "Ndiaye", "Okafor", "Bello", "Adeyemi", "Sarr", "Boateng", "Eze"],
  },
  southeastAsia: {
    women: ["Maricel", "Rowena", "Jocelyn", "Sreymom", "Chanthy", "Sokha", "Lorna", "Divina", "Bopha", "Analyn"],
    men: ["Rogelio", "Danilo", "Arnel", "Sokun", "Vannak", "Dara", "Efren", "Romeo"],
    surnames: ["Dela Cruz", "Bautista", "Ramos", "Chan", "Sok", "Keo", "Mendoza", "Prak", "Santos", "Meas"],
  },
  latinAmerica: {
    women: ["María", "Rosa", "Juana", "Lucía", "Flor", "Carmen", "Yolanda", "Elena", "Marta", "Ana"],
    men: ["José", "Juan", "Luis", "Pedro", "Mario", "Santos", "Carlos", "Víctor"],
    surnames: ["Quispe", "Mamani", "Huamán", "López", "García", "Choc", "Tzoc", "Pérez", "Condori", "Xicará"],
  },
  southAsia: {
    women: ["Sunita", "Rekha", "Lakshmi", "Anita", "Pooja", "Kamala", "Geeta", "Savitri", "Meena", "Radha"],
    men: ["Ramesh", "Suresh", "Raju", "Manoj", "Anil", "Prakash", "Dinesh", "Mohan"],
    surnames: ["Devi", "Kumari", "Yadav", "Singh", "Das", "Behera", "Meena", "Sahu", "Paswan", "Nayak"],
  },
};

const COUNTRIES: Country[] = [
  {
    code: "KE", currency: "KES", fx: 129.5, weight: 15, names: "eastAfrica",
    regions: [
      { name: "Kisumu", villages: ["Kondele", "Nyamasaria", "Otonglo"] },
      { name: "Nakuru", villages: ["Bahati", "Njoro", "Rongai"] },
      { name: "Kiambu", villages: ["Githunguri", "Limuru", "Ruiru"] },
      { name: "Machakos", villages: ["Kangundo", "Mwala", "Masii"] },
    ],
    partners: ["Amani Microfinance", "Jamii Credit Trust", "Shamba Growers Fund", "Mwanzo Savings Cooperative"],
  },
  {
    code: "UG", currency: "UGX", fx: 3700, weight: 10, names: "eastAfrica",
    regions: [
      { name: "Eastern", villages: ["Bulambuli", "Namisindwa", "Kapchorwa"] },
      { name: "Northern", villages: ["Gulu", "Amuru", "Lira"] },
      { name: "Central", villages: ["Mukono", "Luwero", "Mityana"] },
    ],
    partners: ["Kwagala Finance", "Elgon Village Savings Trust", "Nile Women's Credit"],
  },
  {
    code: "TZ", currency: "TZS", fx: 2500, weight: 8, names: "eastAfrica",
    regions: [
      { name: "Arusha", villages: ["Usa River", "Ngaramtoni", "Monduli"] },
      { name: "Dodoma", villages: ["Kondoa", "Mpwapwa", "Bahi"] },
      { name: "Mwanza", villages: ["Ilemela", "Magu", "Misungwi"] },
    ],
    partners: ["Pamoja Microcredit", "Kilima Farmers Fund"],
  },
  {
    code: "RW", currency: "RWF", fx: 1400, weight: 6, names: "eastAfrica",
    regions: [
      { name: "Southern", villages: ["Huye", "Nyanza", "Muhanga"] },
      { name: "Western", villages: ["Rubavu", "Karongi", "Rusizi"] },
      { name: "Eastern", villages: ["Rwamagana", "Kayonza", "Ngoma"] },
    ],
    partners: ["Twizigame Credit", "Umurava Savings Union"],
  },
  {
    code: "GH", currency: "GHS", fx: 15.5, weight: 7, names: "westAfrica",
    regions: [
      { name: "Ashanti", villages: ["Ejisu", "Obuasi", "Konongo"] },
      { name: "Northern", villages: ["Tamale", "Savelugu", "Yendi"] },
      { name: "Volta", villages: ["Ho", "Hohoe", "Keta"] },
    ],
    partners: ["Nkabom Microfinance", "Sika Market Women's Fund"],
  },
  {
    code: "NG", currency: "NGN", fx: 1550, weight: 8, names: "westAfrica",
    regions: [
      { name: "Kano", villages: ["Dala", "Gwale", "Fagge"] },
      { name: "Oyo", villages: ["Ogbomosho", "Iseyin", "Saki"] },
      { name: "Enugu", villages: ["Nsukka", "Udi", "Awgu"] },
    ],
    partners: ["Ajo Community Finance", "Harvest Rise Cooperative", "Ifeoma Enterprise Fund"],
  },
  {
    code: "SN", currency: "XOF", fx: 610, weight: 5, names: "westAfrica",
    regions: [
      { name: "Thiès", villages: ["Mbour", "Tivaouane", "Joal"] },
      { name: "Kaolack", villages: ["Nioro", "Guinguinéo", "Ndoffane"] },
      { name: "Saint-Louis", villages: ["Dagana", "Podor", "Richard-Toll"] },
    ],
    partners: ["Teranga Microcrédit", "Jappo Women's Savings"],
  },
  {
    code: "PH", currency: "PHP", fx: 58.2, weight: 14, names: "southeastAsia",
    regions: [
      { name: "Western Visayas", villages: ["Jaro", "Passi", "Roxas"] },
      { name: "Central Visayas", villages: ["Talisay", "Dumaguete", "Bogo"] },
      { name: "Northern Mindanao", villages: ["Malaybalay", "Gingoog", "Iligan"] },
    ],
    partners: ["Kapwa Credit Cooperative", "Dagat Fisherfolk Fund", "Sari-Sari Growth Finance"],
  },
  {
    code: "KH", currency: "KHR", fx: 4100, weight: 7, names: "southeastAsia",
    regions: [
      { name: "Siem Reap", villages: ["Puok", "Kralanh", "Soutr Nikom"] },
      { name: "Battambang", villages: ["Sangkae", "Bavel", "Moung Ruessei"] },
      { name: "Kampot", villages: ["Kampong Trach", "Chhuk", "Angkor Chey"] },
    ],
    partners: ["Samaki Rural Credit", "Mekong Village Fund"],
  },
  {
    code: "PE", currency: "PEN", fx: 3.75, weight: 8, names: "latinAmerica",
    regions: [
      { name: "Cusco", villages: ["Urubamba", "Calca", "Anta"] },
      { name: "Puno", villages: ["Juliaca", "Ilave", "Azángaro"] },
      { name: "Piura", villages: ["Sullana", "Paita", "Chulucanas"] },
    ],
    partners: ["Ayni Microfinanzas", "Banco Comunal Andino"],
  },
  {
    code: "GT", currency: "GTQ", fx: 7.8, weight: 6, names: "latinAmerica",
    regions: [
      { name: "Quetzaltenango", villages: ["Almolonga", "Cantel", "Olintepeque"] },
      { name: "Huehuetenango", villages: ["Chiantla", "Aguacatán", "Malacatancito"] },
      { name: "Sololá", villages: ["Panajachel", "Nahualá", "Santa Lucía Utatlán"] },
    ],
    partners: ["Manos Unidas Crédito", "Fondo Maya de Mujeres"],
  },
  {
    code: "IN", currency: "INR", fx: 83, weight: 6, names: "southAsia",
    regions: [
      { name: "Bihar", villages: ["Gaya", "Nalanda", "Madhubani"] },
      { name: "Odisha", villages: ["Koraput", "Puri", "Ganjam"] },
      { name: "Rajasthan", villages: ["Ajmer", "Tonk", "Bhilwara"] },
    ],
    partners: ["Sahayog Self-Help Finance", "Udaan Women's Collective"],
  },
];

const SECTORS: { sector: string; weight: number; purposes: string[] }[] = [
  { sector: "Agriculture", weight: 25, purposes: ["To buy certified seed and fertiliser for the planting season", "To buy two dairy goats", "To build a drip irrigation line", "To buy a hand tractor to share with neighbours"] },
  { sector: "Retail", weight: 22, purposes: ["To buy more stock for the kiosk", "To add a refrigerator to the shop", "To stock school supplies before term starts", "To buy phone credit and accessories in bulk"] },
  { sector: "Food", weight: 15, purposes: ["To buy a second charcoal stove for the food stall", "To buy flour and oil in bulk", "To buy a chest freezer for fish"] },
  { sector: "Services", weight: 10, purposes: ["To buy a second sewing machine", "To buy hair-dressing equipment", "To buy a solar charging station for phones"] },
  { sector: "Clothing", weight: 6, purposes: ["To buy fabric for the school-uniform season", "To buy second-hand clothes in bales"] },
  { sector: "Transportation", weight: 5, purposes: ["To repair the motorbike used for deliveries", "To buy a bicycle cart"] },
  { sector: "Housing", weight: 5, purposes: ["To replace a leaking roof with iron sheets", "To connect the house to clean water"] },
  { sector: "Manufacturing", weight: 4, purposes: ["To buy a brick press", "To buy a welding machine"] },
  { sector: "Arts", weight: 3, purposes: ["To buy beads and thread for jewellery", "To buy a loom for weaving"] },
  { sector: "Education", weight: 3, purposes: ["To pay a term's fees for a vocational course", "To buy desks for a home nursery school"] },
  { sector: "Health", weight: 2, purposes: ["To stock a village pharmacy", "To buy a water filter for the clinic"] },
];

// Roughly a live marketplace: a third raising money, most of the rest repaying or repaid.
const STATUSES: { status: string; weight: number }[] = [
  { status: "fundraising", weight: 30 },
  { status: "funded", weight: 4 },
  { status: "paying_back", weight: 28 },
  { status: "repaid", weight: 27 },
  { status: "defaulted", weight: 2 },
  { status: "written_off", weight: 1 },
  { status: "expired", weight: 4 },
  { status: "cancelled", weight: 2 },
  { status: "draft", weight: 1 },
  { status: "submitted", weight: 1 },
];

/** Share of loans that go to a savings group rather than one person; each group borrows about three times. */
const GROUP_LOAN_SHARE = 0.15;
const LOANS_PER_GROUP = 3;
const GROUP_NAMES = ["Tumaini", "Upendo", "Umoja", "Bagong Pag-asa", "Sumaq", "Nkosuo", "Jagriti", "Samaki", "Esperanza", "Twekembe"];
const GROUP_KINDS = ["Savings Group", "Women's Group", "Farmers' Circle", "Self-Help Group"];

/** Thresholds for width_bucket(random(), …): bucket k (0-based) has probability weight k / total. */
function buckets(weights: number[]): string {
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  const edges = weights.slice(0, -1).map((w) => (sum += w) / total);
  return `ARRAY[${edges.map((e) => e.toFixed(6)).join(",")}]::float8[]`;
}

export type ScaleOptions = { loans: number; lenders: number };
export type ScaleResult = { loaded: boolean; loans: number; lenders: number; partners: number; clients: number; groups: number; consents: number; ms: number };

async function counts(db: Db) {
  const rows = (await db.$queryRawUnsafe(
    `SELECT (SELECT count(*) FROM loans WHERE id LIKE 'scale-%')::int AS loans,
            (SELECT count(*) FROM users WHERE id LIKE 'scale-%')::int AS lenders,
            (SELECT count(*) FROM partners WHERE id LIKE 'scale-%')::int AS partners,
            (SELECT count(*) FROM clients WHERE id LIKE 'scale-%')::int AS clients,
            (SELECT count(*) FROM groups WHERE id LIKE 'scale-%')::int AS groups,
            (SELECT count(*) FROM consents WHERE id LIKE 'scale-%')::int AS consents`,
  )) as { loans: number; lenders: number; partners: number; clients: number; groups: number; consents: number }[];
  return rows[0]!;
}

export async function seedScale(db: Db, options: ScaleOptions): Promise<ScaleResult> {
  const started = performance.now();
  const before = await counts(db);
  if (before.loans > 0 || before.lenders > 0) {
    return { loaded: false, ...before, ms: performance.now() - started };
  }
  // One hash for everyone: hashing 50,000 passwords would take minutes and prove nothing.
  const passwordHash = await hashPassword("mavuno-demo-2026");

  const partners = COUNTRIES.flatMap((country, c) =>
    country.partners.map((name, k) => ({ name, country: c + 1, k })),
  ).map((p, i) => ({
    n: i + 1,
    id: `scale-partner-${String(i + 1).padStart(3, "0")}`,
    slug: `scale-${p.name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`,
    name: p.name,
    country_n: p.country,
    // From under a year to nine years on Mavuno, so "track record" filters have something to separate.
    joined_days: Math.round(200 + ((i * 797) % 3100)),
    // Within a country the first partner is the busiest.
    weight: COUNTRIES[p.country - 1]!.weight / (p.k + 1.5),
  }));
  const countries = COUNTRIES.map((c, i) => {
    const names = NAMES[c.names];
    return {
      n: i + 1,
      code: c.code,
      currency: c.currency,
      fx: c.fx.toString(),
      // Local minor units per US cent.
      factor: ((c.fx * 10 ** minorDigits(c.currency)) / 100).toString(),
      regions: c.regions.map((r) => r.name),
      villages: c.regions.flatMap((r) => r.villages),
      women: names.women,
      men: names.men,
      surnames: names.surnames,
    };
  });
  const sectors = SECTORS.map((s, i) => ({ n: i + 1, sector: s.sector, purposes: s.purposes }));
  const groupCount = Math.max(1, Math.ceil((options.loans * GROUP_LOAN_SHARE) / LOANS_PER_GROUP));

  await db.$transaction(
    async (tx) => {
      const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
      // Reproducible: the same data on every machine and every run.
      await tx.$queryRawUnsafe(`SELECT setseed(0.2026)::text`);
      await run(
        `CREATE TEMP TABLE scale_country ON COMMIT DROP AS
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n int, code text, currency text, fx numeric, factor numeric,
             regions text[], villages text[], women text[], men text[], surnames text[])`,
        JSON.stringify(countries),
      );
      await run(
        `CREATE TEMP TABLE scale_partner ON COMMIT DROP AS
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n int, id text, slug text, name text, country_n int, joined_days int)`,
        JSON.stringify(partners),
      );
      await run(
        `CREATE TEMP TABLE scale_sector ON COMMIT DROP AS
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n int, sector text, purposes text[])`,
        JSON.stringify(sectors),
      );

      await run(
        `INSERT INTO partners (id, slug, name, legal_name, country, regions, status, description, contact_email, currency, joined_at, created_at)
         SELECT p.id, p.slug, p.name, p.name || ' Ltd', c.code, c.regions, 'active'::"PartnerStatus",
                'A fictional field partner generated for the scale data set.', 'contact@' || p.slug || '.example', c.currency,
                now() - make_interval(days => p.joined_days), now() - make_interval(days => p.joined_days + 30)
           FROM scale_partner p JOIN scale_country c ON c.n = p.country_n`,
      );

      await run(
        `INSERT INTO users (id, email, name, password_hash, created_at)
         SELECT 'scale-user-' || lpad(i::text, 6, '0'), 'lender-' || lpad(i::text, 6, '0') || '@scale.mavuno.test',
                'Lender ' || lpad(i::text, 6, '0'), $1, now() - make_interval(days => floor(random() * 1500)::int)
           FROM generate_series(1, $2::int) AS i`,
        passwordHash,
        options.lenders,
      );

      // Groups first: a group loan borrows through its group's partner.
      await run(
        `CREATE TEMP TABLE scale_group ON COMMIT DROP AS
           SELECT g AS n, 'scale-group-' || lpad(g::text, 6, '0') AS id,
                  width_bucket(random(), ${buckets(partners.map((p) => p.weight))}) + 1 AS partner_n,
                  random() AS r_region, random() AS r_village, random() AS r_name, random() AS r_kind,
                  5 + floor(random() * 4)::int AS size
             FROM generate_series(1, $1::int) AS g`,
        groupCount,
      );
      await run(
        `INSERT INTO groups (id, partner_id, name, kind, region, village, sector, story, created_at)
         SELECT g.id, p.id, ($1::jsonb ->> floor(g.r_name * $3)::int) || ' ' || ($2::jsonb ->> floor(g.r_kind * $4)::int),
                CASE WHEN g.r_kind < 0.7 THEN 'savings_group' ELSE 'self_help_group' END::"GroupKind",
                c.regions[1 + floor(g.r_region * cardinality(c.regions))::int],
                c.villages[floor(g.r_region * cardinality(c.regions))::int * 3 + 1 + floor(g.r_village * 3)::int],
                'Agriculture',
                'The group meets every week to save together and lend to its members, and buys inputs in bulk at planting time.',
                now() - make_interval(days => 400)
           FROM scale_group g JOIN scale_partner p ON p.n = g.partner_n JOIN scale_country c ON c.n = p.country_n`,
        JSON.stringify(GROUP_NAMES),
        JSON.stringify(GROUP_KINDS),
        GROUP_NAMES.length,
        GROUP_KINDS.length,
      );

      // One row per loan with every random draw it needs, so the inserts below only look things up.
      await run(
        `CREATE TEMP TABLE scale_loan ON COMMIT DROP AS
           SELECT i AS n, 'scale-loan-' || lpad(i::text, 6, '0') AS id,
                  (random() < $2) AS for_group, 1 + floor(random() * $3)::int AS group_n,
                  width_bucket(random(), ${buckets(partners.map((p) => p.weight))}) + 1 AS partner_n,
                  width_bucket(random(), ${buckets(SECTORS.map((s) => s.weight))}) + 1 AS sector_n,
                  (ARRAY[${STATUSES.map((s) => `'${s.status}'`).join(",")}])[width_bucket(random(), ${buckets(STATUSES.map((s) => s.weight))}) + 1] AS status,
                  -- Mostly small loans: $100 to $5,000, skewed low.
                  2500 * (4 + floor(power(random(), 2) * 196)::int) AS amount,
                  random() AS r_purpose, random() AS r_term, random() AS r_freq, random() AS r_method, random() AS r_rate,
                  random() AS r_grace, random() AS r_days, random() AS r_sold, random() AS r_lenders,
                  random() AS r_gender, random() AS r_first, random() AS r_last, random() AS r_region, random() AS r_village,
                  random() AS r_consent, random() AS r_granularity, random() AS r_years, random() AS r_children
             FROM generate_series(1, $1::int) AS i`,
        options.loans,
        GROUP_LOAN_SHARE,
        groupCount,
      );
      await run(
        `UPDATE scale_loan l SET partner_n = g.partner_n, sector_n = 1 FROM scale_group g WHERE l.for_group AND g.n = l.group_n`,
      );

      await run(
        `INSERT INTO clients (id, partner_id, full_name, gender, region, village, sector, story, created_at)
         SELECT 'scale-client-' || lpad(l.n::text, 6, '0'), p.id, person.first || ' ' || c.surnames[1 + floor(l.r_last * cardinality(c.surnames))::int],
                person.gender::"Gender", c.regions[1 + floor(l.r_region * cardinality(c.regions))::int],
                c.villages[floor(l.r_region * cardinality(c.regions))::int * 3 + 1 + floor(l.r_village * 3)::int],
                s.sector,
                person.first || ' has run a small ' || lower(s.sector) || ' business for ' || (2 + floor(l.r_years * 12))::int
                  || ' years and supports ' || (1 + floor(l.r_children * 6))::int || ' children, and wants a steadier income through the dry months.',
                now() - make_interval(days => 40 + floor(l.r_days * 1500)::int)
           FROM scale_loan l
           JOIN scale_partner p ON p.n = l.partner_n JOIN scale_country c ON c.n = p.country_n JOIN scale_sector s ON s.n = l.sector_n
           CROSS JOIN LATERAL (
             SELECT CASE WHEN l.r_gender < 0.72 THEN 'female' ELSE 'male' END AS gender,
                    CASE WHEN l.r_gender < 0.72 THEN c.women[1 + floor(l.r_first * cardinality(c.women))::int]
                         ELSE c.men[1 + floor(l.r_first * cardinality(c.men))::int] END AS first
           ) AS person
          WHERE NOT l.for_group`,
      );
      await run(
        `INSERT INTO clients (id, partner_id, full_name, gender, region, village, sector, story, created_at)
         SELECT 'scale-member-' || lpad(g.n::text, 6, '0') || '-' || m, grp.partner_id,
                CASE WHEN m % 4 = 0 THEN c.men[1 + (g.n + m) % cardinality(c.men)] ELSE c.women[1 + (g.n + m) % cardinality(c.women)] END
                  || ' ' || c.surnames[1 + (g.n * 7 + m) % cardinality(c.surnames)],
                CASE WHEN m % 4 = 0 THEN 'male' ELSE 'female' END::"Gender", grp.region, grp.village, 'Agriculture', '',
                grp.created_at
           FROM scale_group g JOIN groups grp ON grp.id = g.id
           JOIN scale_partner p ON p.n = g.partner_n JOIN scale_country c ON c.n = p.country_n
           CROSS JOIN LATERAL generate_series(1, g.size) AS m`,
      );
      await run(
        `INSERT INTO group_members (id, group_id, client_id, joined_at)
         SELECT 'scale-gm-' || substr(c.id, 14), 'scale-group-' || substr(c.id, 14, 6), c.id, c.created_at
           FROM clients c WHERE c.id LIKE 'scale-member-%'`,
      );
      // Consent as in the field: most share their story, name and place, some only their story, some nothing.
      await run(
        `INSERT INTO consents (id, client_id, purpose, granularity, evidence, granted_at)
         SELECT 'scale-consent-' || substr(c.id, 7) || '-' || purpose, c.id, purpose::"ConsentPurpose",
                CASE WHEN purpose = 'location' THEN (CASE WHEN roll.g < 0.5 THEN 'region' ELSE 'village' END)::"LocationGranularity" END,
                'Consent form signed at enrolment (scale data)', c.created_at
           FROM clients c
           -- Referring to the row makes the draw once per client, not once per statement.
           CROSS JOIN LATERAL (SELECT random() AS r, random() AS g WHERE c.id IS NOT NULL) AS roll
           CROSS JOIN LATERAL unnest(CASE WHEN roll.r < 0.6 THEN ARRAY['story', 'name', 'location', 'ppi']
                                          WHEN roll.r < 0.8 THEN ARRAY['story', 'ppi']
                                          WHEN roll.r < 0.9 THEN ARRAY['ppi']
                                          ELSE ARRAY[]::text[] END) AS purpose
          WHERE c.id LIKE 'scale-%'`,
      );

      await run(
        `INSERT INTO loans (id, reference, partner_id, client_id, group_id, status, amount_usd_cents, local_currency, amount_local_minor,
                            fx_rate, purpose, sector, term_months, frequency, interest_method, annual_rate_bps, grace_instalments,
                            fundraising_deadline, listed_at, shares_sold, lender_count, funded_at, disbursed_at, submitted_at,
                            created_at, updated_at)
         SELECT l.id, 'SC-' || c.code || '-' || lpad(l.n::text, 6, '0'), p.id,
                CASE WHEN l.for_group THEN NULL ELSE 'scale-client-' || lpad(l.n::text, 6, '0') END,
                CASE WHEN l.for_group THEN 'scale-group-' || lpad(l.group_n::text, 6, '0') END,
                l.status::"LoanStatus", l.amount, c.currency, round(l.amount * c.factor)::bigint, c.fx,
                CASE WHEN l.for_group THEN 'To buy seed and fertiliser in bulk for all members before the planting season'
                     ELSE s.purposes[1 + floor(l.r_purpose * cardinality(s.purposes))::int] END,
                s.sector,
                (ARRAY[6, 8, 12, 12, 14, 18, 24])[1 + floor(l.r_term * 7)::int],
                CASE WHEN l.for_group THEN 'monthly' ELSE (ARRAY['weekly', 'fortnightly', 'monthly', 'monthly'])[1 + floor(l.r_freq * 4)::int] END::"RepaymentFrequency",
                CASE WHEN l.r_method < 0.6 THEN 'declining_balance' ELSE 'flat' END::"InterestMethod",
                1800 + 100 * floor(l.r_rate * 24)::int,
                CASE WHEN l.r_grace < 0.3 THEN 1 ELSE 0 END,
                t.deadline, t.deadline - interval '30 days',
                sold.shares, sold.lenders,
                CASE WHEN l.status IN ('funded', 'paying_back', 'repaid', 'defaulted', 'written_off') THEN t.deadline - interval '6 days' END,
                CASE WHEN l.status IN ('paying_back', 'repaid', 'defaulted', 'written_off') THEN t.deadline - interval '3 days' END,
                CASE WHEN t.deadline IS NOT NULL THEN t.deadline - interval '33 days' END,
                coalesce(t.deadline, now()) - interval '35 days', now()
           FROM scale_loan l
           JOIN scale_partner p ON p.n = l.partner_n JOIN scale_country c ON c.n = p.country_n JOIN scale_sector s ON s.n = l.sector_n
           CROSS JOIN LATERAL (
             SELECT CASE WHEN l.status = 'fundraising' THEN now() + make_interval(secs => 3600 + l.r_days * 29 * 86400)
                         WHEN l.status IN ('draft', 'submitted') THEN NULL
                         ELSE now() - make_interval(days => 10 + floor(l.r_days * 1500)::int) END AS deadline
           ) AS t
           CROSS JOIN LATERAL (
             SELECT shares, CASE WHEN shares = 0 THEN 0 ELSE greatest(1, floor(shares * (0.4 + 0.6 * l.r_lenders))::int) END AS lenders
               FROM (SELECT CASE WHEN l.status IN ('funded', 'paying_back', 'repaid', 'defaulted', 'written_off') THEN l.amount / 2500
                                 WHEN l.status IN ('fundraising', 'expired') THEN floor(l.r_sold * (l.amount / 2500))::int
                                 ELSE 0 END AS shares) AS s
           ) AS sold`,
      );
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
  // The planner needs fresh statistics, and index-only scans a fresh visibility map.
  for (const table of ["loans", "clients", "groups", "group_members", "consents", "partners", "users"]) {
    await db.$executeRawUnsafe(`VACUUM ANALYZE ${table}`);
  }
  const after = await counts(db);
  return { loaded: true, ...after, ms: performance.now() - started };
}

// --- Impact: PPI surveys -----------------------------------------------------

export type ImpactScaleResult = { loaded: boolean; surveys: number; scorecards: number; ms: number };

/**
 * Made-up PPI scorecards (one per scale country, labelled sample data) and
 * `surveys` surveys of the scale clients: each client surveyed about once a
 * quarter, most recently this quarter, scores drifting up as households leave
 * poverty. Kenya's scorecard changes version a year ago, so trends cross
 * versions. The rollups follow by the database triggers, in the same
 * statement. Loads once, like the rest.
 */
export async function seedScaleImpact(db: Db, options: { surveys: number }): Promise<ImpactScaleResult> {
  const started = performance.now();
  const existing = (await db.$queryRawUnsafe(
    `SELECT (SELECT count(*) FROM ppi_surveys WHERE id LIKE 'scale-%')::int AS surveys,
            (SELECT count(*) FROM ppi_scorecards WHERE id LIKE 'scale-%')::int AS scorecards`,
  )) as { surveys: number; scorecards: number }[];
  if (existing[0]!.surveys > 0 || options.surveys === 0) return { loaded: false, ...existing[0]!, ms: performance.now() - started };
  const countries = COUNTRIES.map((c) => c.code);
  await db.$transaction(
    async (tx) => {
      const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
      await tx.$queryRawUnsafe(`SELECT setseed(0.1123)::text`);
      // Most clients in the field are rural.
      await run(
        `UPDATE clients SET area = (CASE WHEN random() < 0.7 THEN 'rural' ELSE 'urban' END)::"ClientArea"
          WHERE id LIKE 'scale-%' AND area = 'unknown'`,
      );
      const lines = ["National poverty line", "$2.15/day (2017 PPP)"];
      await run(
        `INSERT INTO ppi_scorecards (id, country, version, title, is_sample, poverty_lines, questions, source_file)
         SELECT 'scale-ppi-' || lower(code) || '-' || v, code, 'scale-' || v,
                code || ' scale scorecard ' || v || ' (sample data, not a real PPI table)', true, $2::text[], '[]'::jsonb,
                'scripts/seed-scale.ts'
           FROM unnest($1::text[]) AS code CROSS JOIN generate_series(1, 2) AS v
          WHERE v = 1 OR code = 'KE'`,
        countries,
        lines,
      );
      // Falling likelihoods: a smooth curve per line, the extreme line below the national one.
      await run(
        `INSERT INTO ppi_lookup (scorecard_id, poverty_line, score, likelihood_bps)
         SELECT sc.id, line.name, s, round(10000 / (1 + exp((s - line.mid) / line.spread)))::int
           FROM ppi_scorecards sc
           CROSS JOIN (VALUES ($1, 45.0, 8.0), ($2, 30.0, 7.0)) AS line(name, mid, spread)
           CROSS JOIN generate_series(0, 100) AS s
          WHERE sc.id LIKE 'scale-ppi-%'`,
        lines[0],
        lines[1],
      );
      // The rollup trigger plans its queries when it first runs; inside this
      // statement the table would still look empty to the planner. So the
      // bulk insert goes in with the trigger off, the statistics are taken,
      // and then the same refresh the trigger runs is called once for everyone.
      await run(`ALTER TABLE ppi_surveys DISABLE TRIGGER ppi_surveys_impact_insert`);
      // Surveys spread evenly over the clients: the first `extra` clients get one more.
      await run(
        `INSERT INTO ppi_surveys (id, client_id, partner_id, scorecard_id, surveyed_on, answers, score, request_key, created_at)
         SELECT 'scale-survey-' || c.rn || '-' || k, c.id, c.partner_id,
                'scale-ppi-' || lower(p.country) || '-' || (CASE WHEN p.country = 'KE' AND q < 4 THEN 2 ELSE 1 END),
                d.on_day, '{}'::jsonb,
                least(100, greatest(0, c.base + 2 * k + floor(random() * 9)::int - 4)),
                'scale-survey-' || c.rn || '-' || k, now()
           FROM (SELECT cl.id, cl.partner_id, row_number() OVER (ORDER BY cl.id) AS rn,
                        15 + floor(random() * 50)::int AS base,
                        $1::int / count(*) OVER () + CASE WHEN row_number() OVER (ORDER BY cl.id) <= $1::int % count(*) OVER () THEN 1 ELSE 0 END AS n
                   FROM clients cl WHERE cl.id LIKE 'scale-%') AS c
           JOIN partners p ON p.id = c.partner_id
           CROSS JOIN LATERAL generate_series(1, c.n) AS k
           -- Quarters back from this one: the client's last survey is this quarter.
           CROSS JOIN LATERAL (SELECT (c.n - k)::int AS q) AS back
           CROSS JOIN LATERAL (
             SELECT least(current_date, (date_trunc('quarter', current_date::timestamp) - make_interval(months => 3 * back.q))::date
                    + floor(random() * 85)::int) AS on_day
           ) AS d`,
        options.surveys,
      );
      await run(`ALTER TABLE ppi_surveys ENABLE TRIGGER ppi_surveys_impact_insert`);
      await run(`ANALYZE ppi_surveys`);
      await tx.$queryRawUnsafe(`SELECT impact_refresh_clients(ARRAY(SELECT DISTINCT client_id FROM ppi_surveys WHERE id LIKE 'scale-%'))::text`);
    },
    { timeout: 60 * 60_000, maxWait: 60_000 },
  );
  for (const table of ["ppi_surveys", "ppi_client_quarters", "ppi_rollups", "ppi_lookup", "clients"]) {
    await db.$executeRawUnsafe(`VACUUM ANALYZE ${table}`);
  }
  const after = (await db.$queryRawUnsafe(
    `SELECT (SELECT count(*) FROM ppi_surveys WHERE id LIKE 'scale-%')::int AS surveys,
            (SELECT count(*) FROM ppi_scorecards WHERE id LIKE 'scale-%')::int AS scorecards`,
  )) as { surveys: number; scorecards: number }[];
  return { loaded: true, ...after[0]!, ms: performance.now() - started };
}

const isMain = process.argv[1]?.endsWith("seed-scale.ts");
if (isMain) {
  const { values } = parseArgs({
    options: {
      loans: { type: "string", default: "100000" },
      lenders: { type: "string", default: "50000" },
      surveys: { type: "string", default: "1000000" },
    },
  });
  const loans = Number(values.loans);
  const lenders = Number(values.lenders);
  const surveys = Number(values.surveys);
  if (!Number.isInteger(loans) || loans < 1 || loans > 10_000_000 || !Number.isInteger(lenders) || lenders < 0 || lenders > 10_000_000 || !Number.isInteger(surveys) || surveys < 0 || surveys > 50_000_000) {
    console.error("usage: npm run seed:scale [-- --loans 100000 --lenders 50000 --surveys 1000000]");
    process.exit(2);
  }
  try {
    const db = await getDb();
    const result = await seedScale(db, { loans, lenders });
    const what = `${result.loans.toLocaleString("en")} loans, ${result.lenders.toLocaleString("en")} lenders, ${result.partners} partners, ${result.clients.toLocaleString("en")} clients, ${result.groups.toLocaleString("en")} groups, ${result.consents.toLocaleString("en")} consents`;
    console.log(
      result.loaded
        ? `seed:scale: loaded ${what} in ${(result.ms / 1000).toFixed(1)}s.`
        : `seed:scale: the database already holds scale data (${what}); nothing done. It loads once: start from an empty database to load it again.`,
    );
    const impact = await seedScaleImpact(db, { surveys });
    if (impact.loaded) console.log(`seed:scale: loaded ${impact.surveys.toLocaleString("en")} PPI surveys on ${impact.scorecards} sample scorecards in ${(impact.ms / 1000).toFixed(1)}s.`);
    if (result.loaded || impact.loaded) {
      // The server's job would otherwise rebuild them on its first tick, in the middle of whatever is being measured.
      const started = performance.now();
      const rows = await rebuildSocialRollups();
      console.log(`seed:scale: built ${rows.toLocaleString("en")} social indicator rows in ${((performance.now() - started) / 1000).toFixed(1)}s.`);
    }
    await closeDb();
    process.exit(0);
  } catch (error) {
    console.error(`seed:scale failed: ${error instanceof Error ? error.message : String(error)}`);
    await closeDb().catch(() => {});
    process.exit(1);
  }
}
