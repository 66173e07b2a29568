/** The parse5 internals the titles parser patches: pinned, and checked when the parser loads (src/titles/tokenizer-runs.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'parse5';
import { describe, expect, it } from 'vitest';
import { assertParse5Internals, PARSE5_VERSION } from '../../src/titles/head-parser.js';
import { packageRoot } from '../../src/package-info.js';

const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function realTokenizer(): Record<string, unknown> {
  return new Tokenizer({ sourceCodeLocationInfo: false }, {} as never) as unknown as Record<string, unknown>;
}

describe('parse5 internals', () => {
  it('package.json pins parse5 exactly to the version the parser was written against', () => {
    expect(packageJson.dependencies.parse5).toBe(PARSE5_VERSION);
  });

  it('the installed parse5 has every internal the parser patches (the module, which checks on load, loaded too)', () => {
    expect(() => assertParse5Internals()).not.toThrow();
  });

  it('a parse5 without one of them is refused with a message that names the versions and what is missing', () => {
    const renamed = Object.assign(realTokenizer(), { _stateRcdata: undefined });
    expect(() => assertParse5Internals(renamed)).toThrow(`The titles parser patches parse5 ${PARSE5_VERSION}'s tokenizer, but the installed parse5 ${PARSE5_VERSION} has no _stateRcdata`);

    const tokenizer = realTokenizer();
    const preprocessor = tokenizer.preprocessor as Record<string, unknown>;
    tokenizer.preprocessor = { ...preprocessor, droppedBufferSize: undefined, pos: undefined };
    expect(() => assertParse5Internals(tokenizer)).toThrow(/has no preprocessor\.pos, preprocessor\.droppedBufferSize: install parse5 7\.3\.0 \(npm ci\)/);
  });
});
