/** Columns of the sample customers file, in file order. */
export const customerColumns = [
  'customer_id', 'first_name', 'last_name', 'email', 'phone', 'address', 'city', 'state', 'zip_code',
  'country', 'signup_date', 'segment', 'status', 'lifetime_value', 'orders_count',
] as const;

/** Dataset fields matching the customers file; customer_id is the primary key. */
export const customerFields = [
  { name: 'customer_id', type: 'bigint', isPrimaryKey: true },
  { name: 'first_name', type: 'text' },
  { name: 'last_name', type: 'text' },
  { name: 'email', type: 'text' },
  { name: 'phone', type: 'text' },
  { name: 'address', type: 'text' },
  { name: 'city', type: 'text' },
  { name: 'state', type: 'text' },
  { name: 'zip_code', type: 'text' },
  { name: 'country', type: 'text' },
  { name: 'signup_date', type: 'date' },
  { name: 'segment', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'lifetime_value', type: 'numeric', precision: 12, scale: 2 },
  { name: 'orders_count', type: 'integer' },
] as const;

const firstNames = ['Ada', 'Bruno', 'Chiara', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Lars', 'Mei', 'Nadia', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tala'];
const lastNames = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Haddad', 'Silva', 'Kowalski', 'Brennan', 'Achterberg', 'Rossi', 'Yilmaz', 'Duarte', 'Fischer', 'Nakamura'];
const cities: Array<[string, string, string]> = [
  ['Springfield', 'IL', '627'], ['Riverton', 'WY', '825'], ['Lakewood', 'CO', '802'], ['Fairview', 'TN', '370'],
  ['Georgetown', 'TX', '786'], ['Salem', 'OR', '973'], ['Madison', 'WI', '537'], ['Clinton', 'IA', '527'],
];
const streets = ['Maple Ave', 'Oak St', 'Cedar Ln', 'Pine Rd', 'Elm Ct', 'Birch Way', 'Willow Dr', 'Aspen Pl'];
const segments = ['consumer', 'small_business', 'enterprise'];
const statuses = ['active', 'inactive', 'churned'];

/** Small deterministic generator (mulberry32), so every run of the demo invents the same people. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

/** Invents one customer and returns its CSV values, in `customerColumns` order. */
export function customerRow(id: number, random: () => number, revision = 0): string[] {
  const first = pick(random, firstNames);
  const last = pick(random, lastNames);
  const [city, state, zip] = pick(random, cities);
  const day = new Date(Date.UTC(2019, 0, 1) + Math.floor(random() * 2000) * 86_400_000);
  const cents = Math.floor(random() * 2_000_000) + revision * 100;
  return [
    String(id),
    first,
    last,
    `${first}.${last}${id}@example.com`.toLowerCase(),
    `+1-555-${String(Math.floor(random() * 10_000)).padStart(4, '0')}`,
    `${1 + Math.floor(random() * 9_999)} ${pick(random, streets)}`,
    city,
    state,
    `${zip}${String(Math.floor(random() * 100)).padStart(2, '0')}`,
    'US',
    day.toISOString().slice(0, 10),
    pick(random, segments),
    pick(random, statuses),
    (cents / 100).toFixed(2),
    String(Math.floor(random() * 200)),
  ];
}

/**
 * Yields a customers CSV in chunks of about 64 KiB: a header, then `rows` customers with
 * ids from `firstId`. `revision` shifts lifetime values, to make a changed copy of a file.
 */
export function* customersCsv(rows: number, options: { seed?: number; firstId?: number; revision?: number } = {}): Generator<string> {
  const random = createRandom(options.seed ?? 42);
  const firstId = options.firstId ?? 1;
  let chunk = `${customerColumns.join(',')}\n`;
  for (let index = 0; index < rows; index += 1) {
    chunk += `${customerRow(firstId + index, random, options.revision ?? 0).join(',')}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Returns the whole customers CSV as one string, for small files. */
export function customersCsvText(rows: number, options: { seed?: number; firstId?: number; revision?: number } = {}): string {
  return [...customersCsv(rows, options)].join('');
}
