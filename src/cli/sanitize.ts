/**
 * Text from users and from the web (file names, URLs, titles, numbers as typed) made safe to print on a terminal.
 * Control characters (C0, DEL, C1) could move the cursor, recolour or retitle the terminal, or ring its bell, and
 * bidi controls and line separators could make a line show something else than it says. One policy for every
 * command: each such character is escaped, never dropped or replaced, C0 and C1 controls and DEL as `\xNN`, the bidi
 * and separator characters as `\uNNNN`. The escape says which character it was: the user can tell `a\x07.png` from
 * `a\x1b.png` and type the name again, where a replacement character would show both the same way.
 * Every line a command prints about user data goes through here (stdout in text format, and stderr).
 */

// C0 controls, DEL, C1 controls, the bidi marks (U+061C, U+200E, U+200F), the line and paragraph separators
// (U+2028, U+2029), the bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// The same, keeping line feeds: for messages of several lines (usage errors and help).
const unsafeButNewline = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value shown inside a line (a file name, a URL, a title): every unsafe character escaped, line feeds too. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(unsafe, escape);
}

/** A message of one or more lines: every unsafe character escaped, line feeds kept. */
export function sanitizeLinesForTerminal(text: string): string {
  return text.replace(unsafeButNewline, escape);
}
