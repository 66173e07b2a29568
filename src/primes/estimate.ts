/**
 * How big a list of the primes of a range will be, before it is made: the engine refuses a disk that cannot hold it
 * and the renderer shows it next to the file field. And about how long a count or a list will take, so the app can
 * ask before it starts one that would run for days. Browser-safe (no Node imports), so both give the same figure.
 *
 * The count is the logarithmic integral over the range, ∫ dt / ln t, which is a little above the true count in
 * every range up to 10^17 (li(x) > π(x) there); each prime takes its digits plus a newline, counted decade by decade.
 */

/** Added on top of the estimate: a margin for the integral's own error and for the file system's blocks. */
const RELATIVE_MARGIN = 0.01;
const ABSOLUTE_MARGIN = 64 * 1024;

/** e^u / u: the integrand of ∫ dt / ln t after t = e^u, smooth enough for Simpson's rule in u. */
const integrand = (u: number): number => Math.exp(u) / u;

/** About how many primes lie in [from, to] (both at least 2, from <= to). */
function primesBetween(from: bigint, to: bigint): number {
  const width = Number(to - from + 1n);
  const a = Number(from);
  // A range narrow next to its position: the density barely changes across it (and ln b - ln a would lose every
  // digit in floating point), so it is the width over the log of its middle.
  if (width < a * 1e-4) return width / Math.log(a + width / 2);
  const low = Math.log(a);
  const high = Math.log(Number(to) + 1);
  const steps = 2 * Math.min(4000, Math.max(8, Math.ceil((high - low) / 0.01)));
  const h = (high - low) / steps;
  let sum = integrand(low) + integrand(high);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * integrand(low + i * h);
  return (sum * h) / 3;
}

/** About how many primes lie in [from, to]. */
export function estimatePrimeCount(from: bigint, to: bigint): number {
  const low = from < 2n ? 2n : from;
  if (to < low) return 0;
  return primesBetween(low, to);
}

/**
 * An upper estimate of the bytes of the list of the primes in [from, to], one per line: the estimated count of each
 * decade times its digits plus the newline, plus a margin.
 */
export function estimateListBytes(from: bigint, to: bigint): number {
  let low = from < 2n ? 2n : from;
  if (to < low) return 0;
  let bytes = 0;
  let digits = low.toString().length;
  while (low <= to) {
    const decadeEnd = 10n ** BigInt(digits) - 1n;
    const high = decadeEnd < to ? decadeEnd : to;
    bytes += primesBetween(low, high) * (digits + 1);
    low = high + 1n;
    digits += 1;
  }
  return Math.ceil(bytes * (1 + RELATIVE_MARGIN)) + ABSOLUTE_MARGIN;
}

/** A byte count for people, in binary units with at most one decimal, as the app shows them: "812 B", "4.6 MiB", "42 PiB". */
export function formatByteSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${Number(value.toFixed(1))} ${units[unit] as string}`;
}

/** What a refusal for lack of space says; `parseNoSpace` reads it back (the renderer words it in the user's language). */
export function describeNoSpace(needed: number, free: number, folder: string): string {
  return `the primes need about ${formatByteSize(needed)} (an estimate) but ${folder} has ${formatByteSize(free)} free`;
}

/** The parts of a describeNoSpace message found anywhere in `message`, or null. */
export function parseNoSpace(message: string): { needed: string; free: string; folder: string } | null {
  const match = /the primes need about (\d+(?:\.\d)? (?:[KMGTPE]i)?B) \(an estimate\) but (.+) has (\d+(?:\.\d)? (?:[KMGTPE]i)?B) free/.exec(message);
  return match ? { needed: match[1] as string, folder: match[2] as string, free: match[3] as string } : null;
}

/**
 * Sieving time per number for one worker, in nanoseconds, at points of log10 of the numbers sieved: it grows with
 * the numbers, as more and larger sieving primes hit each segment (measured with `primes count --workers 1` on
 * windows of 10^9 and 10^10 numbers, this project's 2-core machine; interpolated between, in log10).
 */
const SIEVE_NS_PER_NUMBER: readonly (readonly [number, number])[] = [
  [0, 0.22],
  [9, 0.22],
  [10, 0.25],
  [12, 0.45],
  [14, 0.8],
  [15, 0.95],
  [16, 1.3],
  [17, 1.8],
];
/** List mode: formatting and writing each prime, in one writer (nanoseconds per prime). */
const LIST_NS_PER_PRIME = 250;
/** Starting the workers and placing the first sieving primes. */
const START_MS = 200;

function sieveNsAt(log10x: number): number {
  const points = SIEVE_NS_PER_NUMBER;
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i] as readonly [number, number];
    if (log10x <= x1) {
      const [x0, y0] = points[i - 1] as readonly [number, number];
      return y0 + ((y1 - y0) * (log10x - x0)) / (x1 - x0);
    }
  }
  return (points.at(-1) as readonly [number, number])[1];
}

/**
 * About how long counting (or listing) the primes of [from, to] takes with `workers` workers on `cores` cores, in
 * milliseconds: the sieving cost of each decade of the range (numbers times the cost per number there) shared by the
 * workers that can run at once, plus, when listing, the writing of every prime. An estimate: a faster or busier
 * machine moves it, within a factor of about two.
 */
export function estimateRangeMs(from: bigint, to: bigint, options: { mode: 'count' | 'list'; workers: number; cores: number }): number {
  if (to < from) return 0;
  const parallel = Math.max(1, Math.min(options.workers, options.cores));
  let ns = 0;
  let low = from;
  let digits = from.toString().length;
  while (low <= to) {
    const decadeEnd = 10n ** BigInt(digits) - 1n;
    const high = decadeEnd < to ? decadeEnd : to;
    const numbers = Number(high - low + 1n);
    // The cost at the decade's middle, in log10 (the cost varies slowly within a decade).
    const middle = Math.log10(Math.max(1, (Number(low) + Number(high)) / 2));
    ns += numbers * sieveNsAt(middle);
    low = high + 1n;
    digits += 1;
  }
  let ms = ns / 1e6 / parallel + START_MS;
  if (options.mode === 'list') ms += (estimatePrimeCount(from, to) * LIST_NS_PER_PRIME) / 1e6;
  return ms;
}
