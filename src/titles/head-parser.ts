/**
 * What a browser would show as `document.title`, plus the head's metadata, from HTML text fed in pieces.
 *
 * parse5 runs the HTML standard's tokenizer and tree construction (comments, <script>, <template> contents,
 * <noscript> with scripting on, <svg>/<math> namespaces, foster parenting, character references, ...) while a
 * small tree adapter keeps only what the answer needs: elements and the text of <title> elements. Parsing stops as
 * soon as the answer cannot change any more: the head is over and the first <title> is complete.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Parser, Tokenizer, html, type TreeAdapter, type TreeAdapterTypeMap, type Token } from 'parse5';

/** The parse5 whose tokenizer internals this module patches (package.json pins it exactly; a test holds them equal). */
export const PARSE5_VERSION = '7.3.0';

/**
 * Checked when this module loads: the parse5 internals patched below (the tokenizer's private states, its text
 * emitters, its input buffer) exist on `tokenizer` (a fresh one by default). A parse5 that renamed them must fail
 * loudly, naming the versions, rather than parse wrongly.
 */
export function assertParse5Internals(tokenizer: object = new Tokenizer({ sourceCodeLocationInfo: false }, {} as never)): void {
  const fields = tokenizer as Record<string, unknown> & { preprocessor?: Record<string, unknown> };
  const missing = ['_emitChars', '_emitCurrentCharacterToken', '_stateScriptData', '_stateRawtext', '_stateRcdata'].filter((name) => typeof fields[name] !== 'function');
  const buffer = fields.preprocessor;
  if (typeof buffer?.html !== 'string') missing.push('preprocessor.html');
  if (typeof buffer?.pos !== 'number') missing.push('preprocessor.pos');
  if (typeof buffer?.dropParsedChunk !== 'function') missing.push('preprocessor.dropParsedChunk()');
  if (missing.length === 0) return;
  throw new Error(
    `The titles parser patches parse5 ${PARSE5_VERSION}'s tokenizer, but the installed parse5 ${installedParse5Version() ?? '(version unknown)'} has no ${missing.join(', ')}: install parse5 ${PARSE5_VERSION} (npm ci), or update src/titles/head-parser.ts for it.`,
  );
}
assertParse5Internals();

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

const { NS } = html;

/** One node of the slim tree: elements, the document and template contents (text is kept only inside <title>). */
class SlimNode {
  parent: SlimNode | null = null;
  readonly children: SlimNode[] = [];
  /** Child text of a <title> element (other text is not kept). */
  text = '';
  /** A <template>'s contents: a fragment outside the document. */
  content: SlimNode | null = null;
  /** Kept in its parent's children after it is closed: <html>, <head>, <body>, a <title> or an ancestor of one. */
  keep = false;
  constructor(
    readonly kind: 'document' | 'fragment' | 'element' | 'other',
    readonly tagName: string,
    readonly namespaceURI: html.NS,
    readonly attrs: Token.Attribute[],
  ) {}
}

type SlimMap = TreeAdapterTypeMap<SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode>;

/** The parts of parse5's tokenizer the fast path below touches (stable across parse5 7.x). */
interface TokenizerInternals {
  preprocessor: { html: string; pos: number; dropParsedChunk(): void };
  _emitChars(chars: string): void;
  _emitCurrentCharacterToken(nextLocation: null): void;
  _stateScriptData(cp: number): void;
  _stateRawtext(cp: number): void;
  _stateRcdata(cp: number): void;
}

/**
 * parse5 emits the text of <script>, <style> and <title> one code point at a time, which makes big inline scripts
 * cost milliseconds. In those states a run of ordinary characters means nothing to the tokenizer, so emit it as one
 * piece and move on. Runs stop before anything the state machine or the input preprocessor treats specially
 * (markup, character references in RCDATA, NUL, CR, surrogates), so the tokens are the same as parse5's own.
 * Returns false when the state machine should handle the character itself.
 */
function skipTextRun(tokenizer: TokenizerInternals, cp: number, special: RegExp): boolean {
  const preprocessor = tokenizer.preprocessor;
  const { html: text, pos } = preprocessor;
  // cp is the character at pos (not a CR turned into LF, not EOF), and it is an ordinary one.
  if (cp < 0 || text.charCodeAt(pos) !== cp || cp === 0x3c || cp === 0x26 || cp === 0 || cp === 0x0d || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  special.lastIndex = pos + 1;
  const end = special.exec(text)?.index ?? text.length;
  if (end - pos <= 1) return false;
  tokenizer._emitChars(text.slice(pos, end));
  preprocessor.pos = end - 1;
  // Hand the text over now, so the input buffer can drop what was parsed (a 4 MiB inline script would otherwise
  // stay in one ever-growing string, flattened again for every chunk).
  tokenizer._emitCurrentCharacterToken(null);
  preprocessor.dropParsedChunk();
  return true;
}

const rawSpecial = /[<\0\r\uD800-\uDFFF]/g;
const rcdataSpecial = /[<&\0\r\uD800-\uDFFF]/g;
const tokenizerPrototype = Tokenizer.prototype as unknown as TokenizerInternals;
// Shared functions (no closure per page), installed on each parser's tokenizer.
function scriptDataState(this: TokenizerInternals, cp: number): void {
  if (!skipTextRun(this, cp, rawSpecial)) tokenizerPrototype._stateScriptData.call(this, cp);
}
function rawtextState(this: TokenizerInternals, cp: number): void {
  if (!skipTextRun(this, cp, rawSpecial)) tokenizerPrototype._stateRawtext.call(this, cp);
}
function rcdataState(this: TokenizerInternals, cp: number): void {
  if (!skipTextRun(this, cp, rcdataSpecial)) tokenizerPrototype._stateRcdata.call(this, cp);
}

export interface HeadInfo {
  title: string | null;
  ogTitle: string | null;
  description: string | null;
  canonical: string | null;
  lang: string | null;
}

/** ASCII whitespace stripped at both ends and collapsed inside, as `document.title` does. */
export function stripAndCollapse(text: string): string {
  return text.replace(/[\t\n\f\r ]+/g, ' ').replace(/^ | $/g, '');
}

function attr(node: SlimNode, name: string): string | null {
  for (const a of node.attrs) if (a.name === name) return a.value;
  return null;
}

function isInDocument(node: SlimNode): boolean {
  let current: SlimNode | null = node;
  while (current !== null && current.kind !== 'document') current = current.parent;
  return current !== null;
}

function hasTableAncestor(node: SlimNode): boolean {
  for (let current = node.parent; current !== null; current = current.parent) if (current.tagName === 'table' && current.namespaceURI === NS.HTML) return true;
  return false;
}

function isHtml(node: SlimNode, tagName: string): boolean {
  return node.kind === 'element' && node.tagName === tagName && node.namespaceURI === NS.HTML;
}

/** The first node in tree order (depth first, document order) that matches. */
function firstInTreeOrder(root: SlimNode, match: (node: SlimNode) => boolean): SlimNode | null {
  const stack: SlimNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SlimNode;
    if (match(node)) return node;
    for (let i = node.children.length - 1; i >= 0; i -= 1) stack.push(node.children[i] as SlimNode);
  }
  return null;
}

export class HeadParser {
  /** The head is over (a <body> or <frameset> exists): metadata after this point is not taken. */
  #bodyStarted = false;
  /** A <title> that nothing parsed later can precede in tree order, complete. */
  #settledTitle: SlimNode | null = null;
  #ended = false;
  readonly #titles: SlimNode[] = [];
  /** <meta>, <link> and <base> elements seen before the body, in order. */
  readonly #headElements: SlimNode[] = [];
  /** Quirks mode changes tree construction (a <table> does not close an open <p>): the parser reads it back. */
  #documentMode: html.DOCUMENT_MODE = html.DOCUMENT_MODE.NO_QUIRKS;
  readonly #parser: Parser<SlimMap>;
  readonly #document: SlimNode;
  /** The parser whose tokens are being handled now (parsing is synchronous), for the one shared tree adapter. */
  static #active: HeadParser | null = null;

  constructor(private readonly documentUrl: string) {
    HeadParser.#active = this;
    try {
      this.#parser = new Parser<SlimMap>({ treeAdapter: HeadParser.#adapter, scriptingEnabled: true, sourceCodeLocationInfo: false });
    } finally {
      HeadParser.#active = null;
    }
    this.#document = this.#parser.document;
    const tokenizer = this.#parser.tokenizer as unknown as TokenizerInternals;
    tokenizer._stateScriptData = scriptDataState;
    tokenizer._stateRawtext = rawtextState;
    tokenizer._stateRcdata = rcdataState;
  }

  #feed(text: string, last: boolean): void {
    HeadParser.#active = this;
    try {
      this.#parser.tokenizer.write(text, last);
    } finally {
      HeadParser.#active = null;
    }
  }

  /** True once the title and the head's metadata are final: the rest of the page need not be read. */
  get complete(): boolean {
    return this.#settledTitle !== null && this.#bodyStarted;
  }

  write(text: string): void {
    if (this.#ended || this.complete) return;
    this.#feed(text, false);
  }

  /** The page ended (or no more of it will be read): close what is open, as a browser does at end of file. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.complete) this.#feed('', true);
  }

  result(): HeadInfo {
    const title =
      this.#settledTitle ?? firstInTreeOrder(this.#document, (node) => isHtml(node, 'title')) ?? this.#titles.find((node) => isInDocument(node)) ?? null;
    const headElement = (match: (node: SlimNode) => boolean): SlimNode | null => this.#headElements.find((node) => match(node) && isInDocument(node)) ?? null;
    const metaContent = (key: 'name' | 'property', value: string): string | null => {
      const node = headElement((n) => n.tagName === 'meta' && (attr(n, key) ?? '').trim().toLowerCase() === value && attr(n, 'content') !== null);
      return node === null ? null : stripAndCollapse(attr(node, 'content') ?? '');
    };
    const documentElement = this.#document.children.find((node) => node.kind === 'element') ?? null;

    let baseUrl = this.documentUrl;
    const base = headElement((n) => n.tagName === 'base' && attr(n, 'href') !== null);
    if (base !== null) {
      try {
        baseUrl = new URL(attr(base, 'href') ?? '', this.documentUrl).href;
      } catch {
        // An unparsable <base href> leaves the document's URL as the base, as in browsers.
      }
    }
    let canonical: string | null = null;
    const link = headElement((n) => n.tagName === 'link' && (attr(n, 'rel') ?? '').toLowerCase().split(/[\t\n\f\r ]+/).includes('canonical') && attr(n, 'href') !== null);
    if (link !== null) {
      try {
        canonical = new URL((attr(link, 'href') ?? '').trim(), baseUrl).href;
      } catch {
        canonical = null;
      }
    }
    return {
      title: title === null ? null : stripAndCollapse(title.text),
      ogTitle: metaContent('property', 'og:title') ?? metaContent('name', 'og:title'),
      description: metaContent('name', 'description'),
      canonical,
      lang: documentElement === null ? null : attr(documentElement, 'lang'),
    };
  }

  #onPop(node: SlimNode): void {
    if (!node.keep) {
      // A closed element with no title inside cannot matter any more: let it go (memory stays small however long
      // the page). It is almost always its parent's last child; anything else is left where it is.
      const siblings = node.parent?.children;
      if (siblings !== undefined && siblings[siblings.length - 1] === node) siblings.pop();
      return;
    }
    if (this.#settledTitle !== null || !isHtml(node, 'title') || !isInDocument(node)) return;
    // A <title> inside a table could still be preceded by a later one that foster parenting puts before the table.
    if (hasTableAncestor(node)) return;
    if (this.#titles.find((t) => isInDocument(t)) !== node) return;
    this.#settledTitle = node;
    if (this.complete) this.#parser.tokenizer.pause();
  }

  static readonly #adapter: TreeAdapter<SlimMap> = (() => {
    const active = (): HeadParser => HeadParser.#active as HeadParser;
    const attach = (parent: SlimNode, child: SlimNode): void => {
      child.parent = parent;
      if (child.keep) for (let node: SlimNode | null = parent; node !== null && !node.keep; node = node.parent) node.keep = true;
    };
    const detach = (node: SlimNode): void => {
      const parent = node.parent;
      if (parent === null) return;
      const index = parent.children.indexOf(node);
      if (index !== -1) parent.children.splice(index, 1);
      node.parent = null;
    };
    const other = (): SlimNode => new SlimNode('other', '', NS.HTML, []);
    const adapter: TreeAdapter<SlimMap> = {
      createDocument: () => new SlimNode('document', '', NS.HTML, []),
      createDocumentFragment: () => new SlimNode('fragment', '', NS.HTML, []),
      createElement: (tagName, namespaceURI, attrs) => {
        const node = new SlimNode('element', tagName, namespaceURI, attrs);
        if (namespaceURI === NS.HTML) {
          const parser = active();
          if (tagName === 'title' || tagName === 'html' || tagName === 'head' || tagName === 'body') node.keep = true;
          if (tagName === 'title') parser.#titles.push(node);
          else if (tagName === 'body' || tagName === 'frameset') {
            parser.#bodyStarted = true;
            if (parser.complete) parser.#parser.tokenizer.pause();
          } else if (!parser.#bodyStarted && (tagName === 'meta' || tagName === 'link' || tagName === 'base')) parser.#headElements.push(node);
        }
        return node;
      },
      createCommentNode: other,
      createTextNode: other,
      appendChild: (parent, child) => {
        if (child.kind === 'other') return;
        detach(child);
        attach(parent, child);
        parent.children.push(child);
      },
      insertBefore: (parent, child, reference) => {
        if (child.kind === 'other') return;
        detach(child);
        attach(parent, child);
        const index = parent.children.indexOf(reference);
        parent.children.splice(index === -1 ? parent.children.length : index, 0, child);
      },
      setTemplateContent: (template, content) => {
        template.content = content;
      },
      getTemplateContent: (template) => template.content ?? (template.content = new SlimNode('fragment', '', NS.HTML, [])),
      setDocumentType: () => undefined,
      setDocumentMode: (_document, mode) => {
        active().#documentMode = mode;
      },
      getDocumentMode: () => active().#documentMode,
      detachNode: detach,
      insertText: (parent, text) => {
        if (isHtml(parent, 'title')) parent.text += text;
      },
      insertTextBefore: (parent, text) => {
        if (isHtml(parent, 'title')) parent.text += text;
      },
      adoptAttributes: (recipient, attrs) => {
        const names = new Set(recipient.attrs.map((a) => a.name));
        for (const a of attrs) if (!names.has(a.name)) recipient.attrs.push(a);
      },
      getFirstChild: (node) => node.children[0] ?? null,
      getChildNodes: (node) => node.children,
      getParentNode: (node) => node.parent,
      getAttrList: (element) => element.attrs,
      getTagName: (element) => element.tagName,
      getNamespaceURI: (element) => element.namespaceURI,
      getTextNodeContent: () => '',
      getCommentNodeContent: () => '',
      getDocumentTypeNodeName: () => '',
      getDocumentTypeNodePublicId: () => '',
      getDocumentTypeNodeSystemId: () => '',
      // Text, comments and doctypes are never kept in the slim tree.
      isTextNode: (_node): _node is SlimNode => false,
      isCommentNode: (_node): _node is SlimNode => false,
      isDocumentTypeNode: (_node): _node is SlimNode => false,
      isElementNode: (node): node is SlimNode => node.kind === 'element',
      setNodeSourceCodeLocation: () => undefined,
      getNodeSourceCodeLocation: () => undefined,
      updateNodeSourceCodeLocation: () => undefined,
      onItemPop: (item) => active().#onPop(item),
    };
    return adapter;
  })();
}
