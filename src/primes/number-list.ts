/**
 * How a list of numbers is cut into numbers: one rule for the CLI (`primes check`), the services and the app's
 * Primes tab, which counts the numbers live as they are typed. Browser-safe (no imports).
 *
 * - Numbers are separated by white space (spaces, tabs, new lines), semicolons, the ideographic comma 、 and commas.
 * - Inside a number, digits may be grouped: by underscores, apostrophes, no-break spaces or thin spaces between two
 *   digits (1_000_003, 1'000'003), and by commas, ASCII or full-width (，), when the number is written in thousands
 *   (1 to 3 digits, then groups of exactly 3): 1,000,003 and 1，000，003 are one number; 1,2,3 and 10,20 are lists.
 *   A list of three-digit numbers written with bare commas (97,101,103) reads as one number: write a space after
 *   each comma (97, 101, 103) or one number per line.
 */

/** A number written in thousands with commas (ASCII or full-width): one number, not a list. */
const THOUSANDS = /^[+-]?\d{1,3}(?:[,\uff0c]\d{3})+$/;
/** No-break and thin spaces: digit grouping between two digits, separators anywhere else. */
const SPACE_GROUPING = /[\u00a0\u2009\u202f]/;
const LOOSE_SPACE_GROUPING = /(?<!\d)[\u00a0\u2009\u202f]|[\u00a0\u2009\u202f](?!\d)/g;
/** Runs of text between hard separators (white space except the grouping spaces, `;`, `；`, `、`). */
const CHUNK = /[^\t\n\v\f\r \u1680\u2000-\u2008\u200a\u2028\u2029\u205f\u3000\ufeff;\uff1b\u3001]+/g;
/** Commas between the numbers of a chunk. */
const COMMAS = /[,\uff0c]+/;

/**
 * Whether the UTF-16 code unit separates numbers wherever it stands (a stream reader may cut a list there without
 * cutting a number). Commas are not: in 1,000,003 they group digits.
 */
export function isHardSeparator(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code === 59) return true; // ;
  if (code < 0x1680) return false;
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x2008) ||
    code === 0x200a ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0x3001 ||
    code === 0xfeff ||
    code === 0xff1b
  );
}

/** Calls `take` with each number's text, as typed (grouping characters kept), in order. */
function eachToken(text: string, take: (token: string) => void): void {
  const spaced = SPACE_GROUPING.test(text) ? text.replace(LOOSE_SPACE_GROUPING, ' ') : text;
  for (const match of spaced.matchAll(CHUNK)) {
    const chunk = match[0];
    if (!chunk.includes(',') && !chunk.includes('\uff0c')) {
      // A lone no-break space that survived above stands between digits: part of the number.
      take(chunk);
      continue;
    }
    if (THOUSANDS.test(chunk)) {
      take(chunk);
      continue;
    }
    for (const part of chunk.split(COMMAS)) if (part !== '') take(part);
  }
}

/** The numbers of a list as typed, each with its 0-based position. */
export function parseNumberList(text: string): { index: number; token: string }[] {
  const tokens: { index: number; token: string }[] = [];
  eachToken(text, (token) => tokens.push({ index: tokens.length, token }));
  return tokens;
}

/** How many numbers the list holds (what parseNumberList would return, without keeping them). */
export function countNumbers(text: string): number {
  let count = 0;
  eachToken(text, () => count++);
  return count;
}

/** Characters that may group the digits of one number; removed between two digits before the number is read. */
export const DIGIT_GROUPING = /(?<=\d)[,\uff0c_'\u00a0\u2009\u202f](?=\d)/g;
