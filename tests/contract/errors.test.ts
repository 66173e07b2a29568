/** Errors as values with codes (src/errors.ts) and the contract's codes of refusals the renderer answers. */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { commandError, commandErrorCode, hostCommands, isHostCommand, parseCommandArgs } from '../../src/contract.js';
import { errorCode, errorMessage, RefusalError, TitlewaveError, toError } from '../../src/errors.js';
import { LockedError } from '../../src/fs/lock.js';
import { PathProblem } from '../../src/fs/paths.js';

describe('errorMessage', () => {
  it('reads the message of anything thrown', () => {
    expect(errorMessage(new TypeError('bad type'))).toBe('bad type');
    expect(errorMessage(runInNewContext('new Error("from another realm")'))).toBe('from another realm');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage({ code: 7 })).toBe('{"code":7}');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorMessage(cycle)).toBe('[object Object]');
  });

  it('toError keeps errors and wraps anything else', () => {
    const error = new Error('kept');
    expect(toError(error)).toBe(error);
    expect(toError('thrown text')).toMatchObject({ message: 'thrown text' });
  });
});

describe('TitlewaveError', () => {
  it('carries a code and its own class name; the shared error classes build on it', () => {
    const refusal = new RefusalError('RUN_NOT_FOUND', 'No run with id x');
    expect(refusal).toBeInstanceOf(TitlewaveError);
    expect(refusal).toMatchObject({ name: 'RefusalError', code: 'RUN_NOT_FOUND', message: 'No run with id x' });
    expect(errorCode(refusal)).toBe('RUN_NOT_FOUND');
    expect(errorCode(Object.assign(new Error('enoent'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorCode(new Error('none'))).toBeNull();
    const locked = new LockedError('/tmp/out.txt', { pid: 1, host: 'elsewhere', purpose: 'titlewave titles', startedAt: 'now', nonce: 'n' }, '/tmp/.out.txt.titlewave-lock');
    expect(locked).toBeInstanceOf(TitlewaveError);
    expect(locked).toMatchObject({ name: 'LockedError', code: 'LOCKED' });
    expect(new PathProblem('IS_FOLDER', '/tmp', 'a folder')).toMatchObject({ name: 'PathProblem', code: 'IS_FOLDER', path: '/tmp' });
  });
});

describe("the contract's command errors", () => {
  it('commandError leads its message with the code, which commandErrorCode reads on either side of a host', () => {
    const error = commandError('OUTPUT_EXISTS', '/tmp/p.txt already exists');
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.code).toBe('OUTPUT_EXISTS');
    expect(error.message).toBe('OUTPUT_EXISTS: /tmp/p.txt already exists');
    expect(commandErrorCode(error)).toBe('OUTPUT_EXISTS');
    // Across IPC or the WebSocket only the message arrives.
    expect(commandErrorCode(new Error(error.message))).toBe('OUTPUT_EXISTS');
    expect(commandErrorCode(`Error: ${error.message}`)).toBe('OUTPUT_EXISTS');
    // Other refusals are shown, not answered.
    expect(commandErrorCode(new RefusalError('RUN_NOT_FOUND', 'No run with id x'))).toBeNull();
    expect(commandErrorCode(new Error('LOCKED: in use'))).toBeNull();
  });

  it('refuses bad arguments and unknown commands with codes', () => {
    expect(() => parseCommandArgs('history.load', ['../x'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENTS' }));
    expect(() => parseCommandArgs('no.such' as never, [])).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND', message: 'Unknown command: no.such' }));
  });

  it('isHostCommand is true for exactly the host commands', () => {
    for (const command of hostCommands) expect(isHostCommand(command)).toBe(true);
    expect(isHostCommand('titles.start')).toBe(false);
    expect(isHostCommand('toString')).toBe(false);
  });
});
