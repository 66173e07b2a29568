/**
 * Runs of ordinary characters taken in one piece by parse5's tokenizer.
 *
 * parse5 builds every string of a token one code point at a time (`chars += ch`, `value += ch`, `data += ch`). On a
 * long run — a megabyte of text with no tag (CJK text has no spaces), a base64 image in an attribute, a long comment
 * or inline script — that is a rope of millions of one-character pieces: about 100 times the page's size in memory,
 * and slow to build. In the states where a run of ordinary characters means nothing to the state machine, these
 * handlers take the whole run at once, as one flat slice of the input, and move on.
 *
 * Runs stop before anything the state machine or the input preprocessor treats specially (markup, character
 * references, quotes, NUL, CR, surrogates), so every token is the one parse5 would make, with two differences that
 * change nothing a tree builder can see: text runs are handed over at the end of each written piece (one text token
 * may arrive as several), and a text run that starts with a non-whitespace character goes on through whitespace (the
 * tree builder reacts to the first non-whitespace character of a token, and text is never kept except in a title).
 * Comment text is never used, so it is skipped, not stored.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Parser, Token, Tokenizer, type TokenHandler, type TokenizerOptions } from 'parse5';

/** The parse5 whose internals this module and head-parser.ts patch (package.json pins it exactly; a test holds them equal). */
export const PARSE5_VERSION = '7.3.0';

/** The parts of parse5's tokenizer touched here (stable across parse5 7.x). */
interface TokenizerInternals {
  state: number;
  /** No run is looked for before this input offset (the characters up to it were found to be too few). */
  runsResumeAt: number;
  preprocessor: { html: string; pos: number; lineStartPos: number; droppedBufferSize: number; lastGapPos: number; gapStack: number[] };
  currentToken: { tagName?: string; name?: string | null; publicId?: string | null; systemId?: string | null; attrs?: Token.Attribute[] } | null;
  currentAttr: Token.Attribute;
  _appendCharToCurrentCharacterToken(type: Token.TokenType, chars: string): void;
  _emitCurrentCharacterToken(nextLocation: null): void;
  _leaveAttrName(): void;
  [state: `_state${string}`]: (cp: number) => void;
}

const prototype = Tokenizer.prototype as unknown as TokenizerInternals;

/**
 * What ends a run: the ASCII characters marked in `ascii`, and surrogates (the preprocessor pairs them), or every
 * non-ASCII character when `nonAscii` is set.
 */
interface Stop {
  ascii: Uint8Array;
  nonAscii: boolean;
  /** Shorter runs are left to the state machine (names: parse5 builds a short name faster than a slice is made). */
  minimum: number;
  /**
   * The same stop as a regular expression, for states whose runs are often long (text, comments, values): a native
   * scan is three times as fast as a loop in JavaScript once a run is a few dozen characters long.
   */
  pattern: RegExp | null;
}

const escapeForClass = (characters: string): string => characters.replace(/[\\\]^-]/g, '\\$&').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\f/g, '\\f');

function stopAt(characters: string, { nonAscii = false, minimum = 2, scan = 'loop' }: { nonAscii?: boolean; minimum?: number; scan?: 'loop' | 'pattern' } = {}): Stop {
  const ascii = new Uint8Array(128);
  // NUL and CR always end a run: the state machine and the preprocessor (CR LF -> LF) handle them.
  for (const c of `\0\r${characters}`) ascii[c.charCodeAt(0)] = 1;
  const pattern = scan === 'pattern' && !nonAscii ? new RegExp(`[\\0\\r${escapeForClass(characters)}\\uD800-\\uDFFF]`, 'g') : null;
  return { ascii, nonAscii, minimum, pattern };
}

/**
 * The run of characters from the current position up to (not including) the first one `stop` matches, or null when
 * it is shorter than `stop.minimum` (the state machine handles those itself, as cheaply). On success the tokenizer
 * stands on the run's last character, as if it had consumed them one by one.
 */
function takeRun(tokenizer: TokenizerInternals, cp: number, stop: Stop): string | null {
  const preprocessor = tokenizer.preprocessor;
  const { html, pos } = preprocessor;
  // cp is the character at pos only when the preprocessor did not change it (a CR turned into LF) and it is not EOF.
  if (html.charCodeAt(pos) !== cp) return null;
  let end: number;
  const pattern = stop.pattern;
  if (pattern !== null) {
    pattern.lastIndex = pos;
    end = pattern.test(html) ? pattern.lastIndex - 1 : html.length;
  } else {
    const { ascii, nonAscii } = stop;
    const length = html.length;
    end = pos;
    while (end < length) {
      const c = html.charCodeAt(end);
      if (c < 128 ? ascii[c] === 1 : nonAscii || (c >= 0xd800 && c <= 0xdfff)) break;
      end += 1;
    }
  }
  if (end - pos < stop.minimum) {
    // Too short: the state machine takes these characters one by one, without looking again at each.
    tokenizer.runsResumeAt = preprocessor.droppedBufferSize + end;
    return null;
  }
  preprocessor.pos = end - 1;
  return html.slice(pos, end);
}

/** Input before the current position is dropped past this much (the next write then flattens a small buffer). */
const dropAfter = 4096;

/**
 * Drop the input already consumed, as parse5's dropParsedChunk does at the end of a token (but also inside one, and
 * with no 64 KiB waterline). Without it, a megabyte-long attribute or comment keeps the whole input in one buffer that
 * every write copies again, and every run taken from it (a slice) keeps that buffer alive. Safe at a run's end: the
 * state machine looks back at most at the character it stands on.
 */
function dropConsumed(tokenizer: TokenizerInternals): void {
  const preprocessor = tokenizer.preprocessor;
  const pos = preprocessor.pos;
  if (pos < dropAfter) return;
  preprocessor.html = preprocessor.html.substring(pos);
  preprocessor.lineStartPos -= pos;
  preprocessor.droppedBufferSize += pos;
  preprocessor.pos = 0;
  preprocessor.lastGapPos = -2;
  preprocessor.gapStack.length = 0;
}

/** ASCII letters lowercased, nothing else (tag, attribute and doctype names; toLowerCase alone would touch non-ASCII). */
function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : text;
}

const isWhitespace = (cp: number): boolean => cp === 0x20 || cp === 0x0a || cp === 0x09 || cp === 0x0c;

/** Hand a text run to the tree builder now, so the input buffer can drop what was parsed. */
function emitText(tokenizer: TokenizerInternals, type: Token.TokenType, run: string): void {
  tokenizer._appendCharToCurrentCharacterToken(type, run);
  tokenizer._emitCurrentCharacterToken(null);
  dropConsumed(tokenizer);
}

// What ends a run, state by state (the characters each state handles other than by appending them).
const whitespace = '\t\n\f ';
const allAscii = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
const stops = {
  // Text in the data state: markup and character references.
  text: stopAt('<&', { scan: 'pattern' }),
  // A whitespace run (a separate kind of character token) ends at anything else.
  whitespace: stopAt(allAscii.replace(/[\t\n\f ]/g, ''), { nonAscii: true }),
  rcdata: stopAt('<&', { scan: 'pattern' }),
  rawtext: stopAt('<', { scan: 'pattern' }),
  plaintext: stopAt('', { scan: 'pattern' }),
  scriptEscaped: stopAt('-<', { scan: 'pattern' }),
  cdata: stopAt(']', { scan: 'pattern' }),
  comment: stopAt('-<', { scan: 'pattern' }),
  bogusComment: stopAt('>', { scan: 'pattern' }),
  tagName: stopAt(`${whitespace}/>`, { minimum: 32 }),
  attributeName: stopAt(`${whitespace}/>="'<`, { minimum: 32 }),
  valueDoubleQuoted: stopAt('"&', { scan: 'pattern' }),
  valueSingleQuoted: stopAt("'&", { scan: 'pattern' }),
  valueUnquoted: stopAt(`${whitespace}&>"'<=\``),
  doctypeName: stopAt(`${whitespace}>`, { minimum: 32 }),
  doctypeDoubleQuoted: stopAt('">'),
  doctypeSingleQuoted: stopAt("'>"),
};

type Take = (tokenizer: TokenizerInternals, cp: number) => boolean;
/** A state's run: what ends it (also checked first, to leave at once on the characters the state handles itself) and how it is taken. */
interface Run {
  stop: Stop;
  take: Take;
}

/** Text that the tree builder sees as character tokens, where whitespace may matter (data, plaintext, CDATA). */
function textRun(stop: Stop): Run {
  const take: Take = (tokenizer, cp) => {
    if (isWhitespace(cp)) {
      const run = takeRun(tokenizer, cp, stops.whitespace);
      if (run === null) return false;
      emitText(tokenizer, Token.TokenType.WHITESPACE_CHARACTER, run);
      return true;
    }
    const run = takeRun(tokenizer, cp, stop);
    if (run === null) return false;
    emitText(tokenizer, Token.TokenType.CHARACTER, run);
    return true;
  };
  return { stop, take };
}

/** Text of an element in the "text" insertion mode (title, textarea, script, style...): whitespace or not, it is inserted. */
function rawRun(stop: Stop): Run {
  const take: Take = (tokenizer, cp) => {
    const run = takeRun(tokenizer, cp, stop);
    if (run === null) return false;
    emitText(tokenizer, Token.TokenType.CHARACTER, run);
    return true;
  };
  return { stop, take };
}

function skipRun(stop: Stop): Run {
  const take: Take = (tokenizer, cp) => {
    if (takeRun(tokenizer, cp, stop) === null) return false;
    dropConsumed(tokenizer);
    return true;
  };
  return { stop, take };
}

function appendRun(stop: Stop, append: (tokenizer: TokenizerInternals, run: string) => void): Run {
  const take: Take = (tokenizer, cp) => {
    const run = takeRun(tokenizer, cp, stop);
    if (run === null) return false;
    append(tokenizer, run);
    dropConsumed(tokenizer);
    return true;
  };
  return { stop, take };
}

const token = (tokenizer: TokenizerInternals): NonNullable<TokenizerInternals['currentToken']> => tokenizer.currentToken as NonNullable<TokenizerInternals['currentToken']>;

/** State method name -> its run. */
const runs: Record<string, Run> = {
  _stateData: textRun(stops.text),
  _stateRcdata: rawRun(stops.rcdata),
  _stateRawtext: rawRun(stops.rawtext),
  _stateScriptData: rawRun(stops.rawtext),
  _stateScriptDataEscaped: rawRun(stops.scriptEscaped),
  _stateScriptDataDoubleEscaped: rawRun(stops.scriptEscaped),
  _statePlaintext: textRun(stops.plaintext),
  _stateCdataSection: textRun(stops.cdata),
  _stateComment: skipRun(stops.comment),
  _stateBogusComment: skipRun(stops.bogusComment),
  _stateTagName: appendRun(stops.tagName, (t, run) => (token(t).tagName += asciiLower(run))),
  _stateAttributeName: appendRun(stops.attributeName, (t, run) => (t.currentAttr.name += asciiLower(run))),
  _stateAttributeValueDoubleQuoted: appendRun(stops.valueDoubleQuoted, (t, run) => (t.currentAttr.value += run)),
  _stateAttributeValueSingleQuoted: appendRun(stops.valueSingleQuoted, (t, run) => (t.currentAttr.value += run)),
  _stateAttributeValueUnquoted: appendRun(stops.valueUnquoted, (t, run) => (t.currentAttr.value += run)),
  _stateDoctypeName: appendRun(stops.doctypeName, (t, run) => (token(t).name += asciiLower(run))),
  _stateDoctypePublicIdentifierDoubleQuoted: appendRun(stops.doctypeDoubleQuoted, (t, run) => (token(t).publicId += run)),
  _stateDoctypePublicIdentifierSingleQuoted: appendRun(stops.doctypeSingleQuoted, (t, run) => (token(t).publicId += run)),
  _stateDoctypeSystemIdentifierDoubleQuoted: appendRun(stops.doctypeDoubleQuoted, (t, run) => (token(t).systemId += run)),
  _stateDoctypeSystemIdentifierSingleQuoted: appendRun(stops.doctypeSingleQuoted, (t, run) => (token(t).systemId += run)),
};

/** The tokenizer methods replaced or called here, the input buffer's fields moved here, the parser's method head-parser.ts wraps. */
const patchedMethods = [...Object.keys(runs), '_leaveAttrName', '_appendCharToCurrentCharacterToken', '_emitCurrentCharacterToken'];
const preprocessorFields: Record<string, string> = { html: 'string', pos: 'number', lineStartPos: 'number', droppedBufferSize: 'number', lastGapPos: 'number', gapStack: 'object' };

/**
 * Checked when this module loads, before anything is patched: the parse5 internals used here exist on `tokenizer` (a
 * fresh one by default) and on the parser. A parse5 that renamed them must fail loudly, naming the versions, rather
 * than parse wrongly.
 */
export function assertParse5Internals(tokenizer: object = new Tokenizer({ sourceCodeLocationInfo: false }, {} as never)): void {
  const fields = tokenizer as Record<string, unknown> & { preprocessor?: Record<string, unknown> };
  const missing = patchedMethods.filter((name) => typeof fields[name] !== 'function');
  for (const [name, type] of Object.entries(preprocessorFields)) {
    if (typeof fields.preprocessor?.[name] !== type) missing.push(`preprocessor.${name}`);
  }
  if (typeof (Parser.prototype as unknown as Record<string, unknown>)._appendElement !== 'function') missing.push('Parser#_appendElement()');
  if (missing.length === 0) return;
  throw new Error(
    `The titles parser patches parse5 ${PARSE5_VERSION}'s tokenizer, but the installed parse5 ${installedParse5Version() ?? '(version unknown)'} has no ${missing.join(', ')}: install parse5 ${PARSE5_VERSION} (npm ci), or update src/titles/tokenizer-runs.ts and head-parser.ts for it.`,
  );
}

/** The version in the package.json of the parse5 this module loads (up from its entry; dist/cjs has one without a name). */
function installedParse5Version(): string | null {
  for (let dir = dirname(createRequire(import.meta.url).resolve('parse5')); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'parse5') return pkg.version ?? null;
    } catch {
      // no package.json here
    }
  }
  return null;
}
assertParse5Internals();

/** parse5's tokenizer with the run-taking states (see above). */
export class RunsTokenizer extends Tokenizer {
  runsResumeAt = 0;
}
const runsPrototype = RunsTokenizer.prototype as unknown as Record<string, unknown>;
for (const [name, { stop, take }] of Object.entries(runs)) {
  const original = prototype[name as `_state${string}`];
  // assertParse5Internals has checked every patched state exists; this tells the compiler.
  if (original === undefined) throw new Error(`parse5 has no tokenizer state ${name}`);
  const { ascii } = stop;
  // The hot path of tokenizing: leave at once for EOF, for a character the state handles itself, and inside a run
  // already found too short.
  runsPrototype[name] = function (this: TokenizerInternals, cp: number): void {
    if (cp >= 0 && (cp >= 128 || ascii[cp] !== 1)) {
      const preprocessor = this.preprocessor;
      if (preprocessor.droppedBufferSize + preprocessor.pos >= this.runsResumeAt && take(this, cp)) return;
    }
    original.call(this, cp);
  };
}

/** Above this many attributes on one tag, duplicates are found with a set (parse5 compares with each one: quadratic). */
const linearAttributeCheck = 16;
const attributeNames = new WeakMap<object, Set<string>>();

function leaveAttrName(this: TokenizerInternals): void {
  const current = token(this);
  const attrs = current.attrs as Token.Attribute[];
  if (attrs.length < linearAttributeCheck) {
    prototype._leaveAttrName.call(this);
    return;
  }
  let names = attributeNames.get(current);
  if (names === undefined) {
    names = new Set(attrs.map((a) => a.name));
    attributeNames.set(current, names);
  }
  // A repeated attribute is dropped, as parse5 and browsers do (the first one wins).
  if (names.has(this.currentAttr.name)) return;
  names.add(this.currentAttr.name);
  attrs.push(this.currentAttr);
}

runsPrototype._leaveAttrName = leaveAttrName;

/**
 * Give a parse5 parser a tokenizer that takes runs whole, before anything is written to it. (The parser makes its own
 * tokenizer, which holds nothing yet; switching an object's prototype instead would slow every access to it.)
 */
export function takeRunsWhole(parser: { tokenizer: Tokenizer; options: TokenizerOptions }): void {
  parser.tokenizer = new RunsTokenizer(parser.options, parser as unknown as TokenHandler);
}
