/**
 * What a browser would show as `document.title`, plus the head's metadata, from HTML text fed in pieces.
 *
 * parse5 runs the HTML standard's tokenizer and tree construction (comments, <script>, <template> contents,
 * <noscript> with scripting on, <svg>/<math> namespaces, foster parenting, the adoption agency, character
 * references, ...) while a small tree adapter keeps only what the answer can still depend on: the elements that are
 * open, the first <title> in tree order and its ancestors, and <html>, <head> and <body>. Text is never kept except
 * a title's; an element that closes with no title inside leaves the tree at once. So however long the page, memory
 * stays small: at most `maxDepth` open elements, and the tokenizer takes long runs of characters in one piece
 * (tokenizer-runs.ts).
 *
 * `document.title` is the first HTML <title> element anywhere in the document in tree order, so a page with no title
 * in its head is read on into the body. Parsing stops as soon as the answer cannot change any more: the head is over
 * and the first title is complete and settled (no later element can come before it in tree order, and the body that
 * holds it can no longer be replaced by a <frameset>); or a <frameset> began (no title can follow one).
 */
import { Parser, html, type TreeAdapter, type TreeAdapterTypeMap, type Token } from 'parse5';
import { takeRunsWhole } from './tokenizer-runs.js';

export { PARSE5_VERSION, assertParse5Internals } from './tokenizer-runs.js';

const { NS } = html;

/**
 * Open elements nested deeper than this end the parse (the page is then "too large"): parse5's scope checks walk the
 * stack of open elements for each tag, so unbounded nesting would cost time proportional to its square. Chromium
 * attaches nothing deeper than 512 levels to its DOM either.
 */
export const maxDepth = 512;
/** Entries in the list of active formatting elements beyond which the parse ends (reopening them costs as much). */
const maxFormattingElements = 4 * maxDepth;
/** <meta>, <link> and <base> elements of the head kept for the metadata (the first ones that can answer). */
const maxHeadElements = 256;
/**
 * Elements whose attributes are read from the tree: by the answer (<html lang>, <meta>, <link>, <base>) or by tree
 * construction (MathML <annotation-xml encoding>, and the formatting elements, which the "Noah's Ark" clause compares).
 * Other elements keep none: a huge attribute on an element left open would stay in memory.
 */
const attributesKept = new Set(['html', 'meta', 'link', 'base', 'annotation-xml', 'a', 'b', 'big', 'code', 'em', 'font', 'i', 'nobr', 's', 'small', 'strike', 'strong', 'tt', 'u']);
const noAttributes: Token.Attribute[] = [];

/** One node of the slim tree: elements, the document and template contents. */
class SlimNode {
  parent: SlimNode | null = null;
  /** The children still in the tree: open elements, the title candidate's ancestors, and html, head and body. */
  readonly children: SlimNode[] = [];
  /** Child text of a <title> element (other text is not kept). */
  text = '';
  /** A <template>'s contents: a fragment outside the document. */
  content: SlimNode | null = null;
  /** Popped from the stack of open elements (or never pushed: a void element). */
  closed = false;
  /** In its parent's children. A closed element that no longer matters is taken out, but keeps its parent. */
  linked = false;
  constructor(
    readonly kind: 'document' | 'fragment' | 'element' | 'other',
    readonly tagName: string,
    readonly namespaceURI: html.NS,
    readonly attrs: Token.Attribute[],
  ) {}
}

type SlimMap = TreeAdapterTypeMap<SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode, SlimNode>;

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


/** <html>, <head> and <body> stay in the tree: the result reads <html lang>, and the body's place decides titles. */
function isEssential(node: SlimNode): boolean {
  return node.namespaceURI === NS.HTML && (node.tagName === 'html' || node.tagName === 'head' || node.tagName === 'body');
}

/** A <meta>, <link> or <base> that can answer a metadata question. */
function isHeadMetadata(tagName: string, attrs: Token.Attribute[]): boolean {
  const has = (name: string): boolean => attrs.some((a) => a.name === name);
  if (tagName === 'meta') return has('content') && (has('name') || has('property'));
  if (tagName === 'link') return has('rel') && has('href');
  return tagName === 'base' && has('href');
}

/** Take a node out of its parent's children (it keeps its parent: it is still where it was, just not tracked). */
function unlink(node: SlimNode): void {
  const siblings = node.parent?.children;
  if (siblings !== undefined) {
    // Almost always the last child.
    if (siblings[siblings.length - 1] === node) siblings.pop();
    else {
      const index = siblings.lastIndexOf(node);
      if (index !== -1) siblings.splice(index, 1);
    }
  }
  node.linked = false;
}

/** Put a node and its untracked ancestors back in their parents' children (something was inserted into a closed element). */
function relink(node: SlimNode): void {
  for (let current: SlimNode | null = node; current !== null && current.kind === 'element' && !current.linked && current.parent !== null; current = current.parent) {
    current.parent.children.push(current);
    current.linked = true;
  }
}

/** The parts of parse5's parser patched per instance. */
interface ParserInternals {
  _appendElement(token: Token.TagToken, namespaceURI: html.NS): void;
  openElements: { replace(oldElement: SlimNode, newElement: SlimNode): void };
}
const appendElementOriginal = (Parser.prototype as unknown as ParserInternals)._appendElement;

export class HeadParser {
  /** The head is over (a <body> or <frameset> exists): metadata after this point is not taken. */
  #bodyStarted = false;
  /** A <script> element was parsed (in the head, when the title is there: parsing stops at the body then). */
  #sawScript = false;
  /** A <frameset> replaced the body: no <title> can follow. */
  #framesetStarted = false;
  /** Nesting went deeper than maxDepth: parsing stopped with what was read. */
  #overflowed = false;
  /** The first complete <title> in tree order in the document so far. */
  #candidate: SlimNode | null = null;
  /** The candidate, once nothing parsed later can come before it in tree order or take it out of the document. */
  #settled: SlimNode | null = null;
  #ended = false;
  /** The element created last: a void element is appended and closed at once, without a push or a pop. */
  #lastCreated: SlimNode | null = null;
  /** <meta>, <link> and <base> elements seen before the body, in order (the ones that can answer). */
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
    takeRunsWhole(this.#parser as unknown as Parameters<typeof takeRunsWhole>[0]);
    const internals = this.#parser as unknown as ParserInternals;
    internals._appendElement = HeadParser.#appendElement;
    // The adoption agency replaces an element on the stack with a copy: the one replaced is closed from then on.
    const stack = internals.openElements;
    const replace = stack.replace;
    stack.replace = (oldElement, newElement) => {
      replace.call(stack, oldElement, newElement);
      this.#close(oldElement);
    };
  }

  static readonly #appendElement = function (this: ParserInternals, token: Token.TagToken, namespaceURI: html.NS): void {
    appendElementOriginal.call(this, token, namespaceURI);
    const parser = HeadParser.#active;
    if (parser !== null && parser.#lastCreated !== null) parser.#close(parser.#lastCreated);
  };

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
    return (this.#settled !== null && this.#bodyStarted) || this.#framesetStarted;
  }

  /** The markup was nested too deep to go on (see maxDepth): the answer is what was read before. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** A <script> element was parsed before the answer was complete (render mode's body signals need one). */
  get sawScript(): boolean {
    return this.#sawScript;
  }

  /** A complete <title> element (its end tag read) is in the document. */
  get titleRead(): boolean {
    return this.#candidate !== null;
  }

  write(text: string): void {
    if (this.#ended || this.complete || this.#overflowed) return;
    this.#feed(text, false);
    // What kept the candidate from settling may have changed (the frameset-ok flag, a table that closed).
    this.#settle();
  }

  /** The page ended (or no more of it will be read): close what is open, as a browser does at end of file. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.complete && !this.#overflowed) this.#feed('', true);
  }

  result(): HeadInfo {
    const candidate = this.#settled ?? this.#candidate;
    const title = candidate !== null && isInDocument(candidate) ? candidate : null;
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

  /** An element is about to be inserted: past maxDepth open elements, the parse ends. */
  #checkDepth(): void {
    const parser = this.#parser;
    if (parser.openElements.stackTop >= maxDepth - 1 || parser.activeFormattingElements.entries.length > maxFormattingElements) {
      this.#overflowed = true;
      parser.tokenizer.pause();
    }
  }

  /** An element is closed: a title may become the candidate; anything else leaves the tree unless a title is inside. */
  #close(node: SlimNode): void {
    if (node.kind !== 'element' || node.closed) return;
    node.closed = true;
    if (isHtml(node, 'title')) {
      this.#titleClosed(node);
      return;
    }
    this.#dropIfUnneeded(node);
    // Nothing can be foster-parented before a closed table: a title inside it may now be final.
    if (isHtml(node, 'table')) this.#settle();
  }

  #titleClosed(title: SlimNode): void {
    if (!isInDocument(title)) {
      // In a template's contents.
      this.#dropIfUnneeded(title);
      return;
    }
    const previous = this.#candidate;
    // Tree order, not source order: a title foster-parented out of a table comes before one inside it.
    const first = previous === null ? title : firstInTreeOrder(this.#document, (node) => node === title || node === previous);
    if (first !== previous) {
      this.#candidate = title;
      if (previous !== null) this.#dropIfUnneeded(previous);
    } else {
      this.#dropIfUnneeded(title);
    }
    this.#settle();
  }

  /** Settle the candidate when nothing parsed later can change the answer; pause the parse if it is complete then. */
  #settle(): void {
    const candidate = this.#candidate;
    if (this.#settled !== null || candidate === null) return;
    for (let node = candidate.parent; node !== null; node = node.parent) {
      // A later element can still be foster-parented before an open table, so before a title inside it.
      if (!node.closed && isHtml(node, 'table')) return;
      // While the frameset-ok flag is set, a <frameset> would take the body (and the title in it) out of the document.
      if (isHtml(node, 'body') && this.#parser.framesetOk) return;
    }
    this.#settled = candidate;
    if (this.complete) this.#parser.tokenizer.pause();
  }

  /** Take a closed element with nothing that matters inside out of the tree, and then its closed ancestors that are left empty. */
  #dropIfUnneeded(node: SlimNode | null): void {
    for (let current = node; current !== null && current.kind === 'element' && current.closed && current.linked && current.children.length === 0; ) {
      if (current === this.#candidate || isEssential(current)) return;
      const parent = current.parent;
      unlink(current);
      current = parent;
    }
  }

  static readonly #adapter: TreeAdapter<SlimMap> = (() => {
    const active = (): HeadParser => HeadParser.#active as HeadParser;
    const detach = (node: SlimNode): void => {
      const parent = node.parent;
      if (parent === null) return;
      if (node.linked) unlink(node);
      node.parent = null;
      active().#dropIfUnneeded(parent);
    };
    const other = (): SlimNode => new SlimNode('other', '', NS.HTML, noAttributes);
    const adapter: TreeAdapter<SlimMap> = {
      createDocument: () => new SlimNode('document', '', NS.HTML, noAttributes),
      createDocumentFragment: () => new SlimNode('fragment', '', NS.HTML, noAttributes),
      createElement: (tagName, namespaceURI, attrs) => {
        const node = new SlimNode('element', tagName, namespaceURI, attributesKept.has(tagName) ? attrs : noAttributes);
        const parser = active();
        parser.#lastCreated = node;
        parser.#checkDepth();
        if (namespaceURI === NS.HTML) {
          if (tagName === 'body') parser.#bodyStarted = true;
          else if (tagName === 'script') parser.#sawScript = true;
          else if (tagName === 'frameset') {
            parser.#bodyStarted = true;
            parser.#framesetStarted = true;
          } else if (!parser.#bodyStarted && parser.#headElements.length < maxHeadElements && isHeadMetadata(tagName, attrs)) parser.#headElements.push(node);
          if (parser.complete) parser.#parser.tokenizer.pause();
        }
        return node;
      },
      createCommentNode: other,
      createTextNode: other,
      appendChild: (parent, child) => {
        if (child.kind === 'other') return;
        detach(child);
        child.parent = parent;
        parent.children.push(child);
        child.linked = true;
        if (!parent.linked) relink(parent);
      },
      insertBefore: (parent, child, reference) => {
        if (child.kind === 'other') return;
        detach(child);
        child.parent = parent;
        const index = parent.children.indexOf(reference);
        parent.children.splice(index === -1 ? parent.children.length : index, 0, child);
        child.linked = true;
        if (!parent.linked) relink(parent);
      },
      setTemplateContent: (template, content) => {
        template.content = content;
      },
      getTemplateContent: (template) => template.content ?? (template.content = new SlimNode('fragment', '', NS.HTML, noAttributes)),
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
        if (recipient.attrs === noAttributes) return;
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
      onItemPop: (item) => active().#close(item),
    };
    return adapter;
  })();
}
