/**
 * Text from users and from the web (file names, URLs, titles, numbers as typed) made safe to print on a terminal.
 * Control characters (C0, DEL, C1) could move the cursor, recolour or retitle the terminal, or ring its bell, and
 * bidi overrides and isolates could make a line show something else than it says; each is replaced with U+FFFD.
 * Every line a command prints about user data goes through here (stdout in text format, and stderr).
 */

// C0 controls, DEL, C1 controls, the bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// The same, keeping line feeds: for messages of several lines (usage errors and help).
const unsafeButNewline = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One value shown inside a line (a file name, a URL, a title): every control character replaced, new lines too. */
export function terminalSafe(text: string): string {
  return text.replace(unsafe, '\uFFFD');
}

/** A message of one or more lines: control characters replaced, line feeds kept. */
export function terminalSafeLines(text: string): string {
  return text.replace(unsafeButNewline, '\uFFFD');
}

// terminalSafe's characters, and also the bidi marks (U+061C, U+200E, U+200F) and the line and paragraph separators.
const escaped = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * One value shown inside a line, escaped rather than replaced: C0 and C1 controls and DEL as `\xNN`, the bidi and
 * separator characters as `\uNNNN`. For file names (thumbs): the escape says which byte the name holds, so the user
 * can tell `a\x07.png` from `a\x1b.png` and type the name again, where U+FFFD would show both the same way.
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(escaped, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
