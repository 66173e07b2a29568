/**
 * Errors as values with codes, for every part of Titlewave: a refusal is a TitlewaveError whose `code` says which
 * refusal it is (callers branch on the code, never on the wording), and whose message says it to a person.
 * Browser-safe (the contract, the bridge and the renderer use it): no Node.
 */

/**
 * The message of anything thrown: an Error's message (one from another realm too: a page, a VM context), a string as
 * it is, any other value as JSON when it has some, else as text.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const { message } = error as { message?: unknown };
    if (typeof message === 'string') return message;
    try {
      const json = JSON.stringify(error);
      if (json !== undefined) return json;
    } catch {
      // a cycle: its text below
    }
  }
  return String(error);
}

/** Anything thrown, as an Error (a thrown string or object becomes the message of one). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The base of Titlewave's own errors: a stable `code` (like Node's 'ENOENT') and a message for a person. */
export class TitlewaveError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code of a TitlewaveError (or of any error with a string `code`, as Node's have); null otherwise. */
export function errorCode(error: unknown): string | null {
  if (error instanceof TitlewaveError) return error.code;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

/**
 * Why the services refuse a command, whichever host asked. Hosts pass the message on; the code is for code (tests,
 * the renderer's answers to some of them: see `commandErrorCodes` in the contract).
 */
export type RefusalCode =
  /** The services (or the whole app) are closing: nothing new starts. */
  | 'SHUTTING_DOWN'
  /** Not a command of the contract, or not one this side implements. */
  | 'UNKNOWN_COMMAND'
  /** Arguments that do not pass the command's schema. */
  | 'INVALID_ARGUMENTS'
  /** A titles or primes input with nothing to do in it. */
  | 'EMPTY_INPUT'
  /** A primes range whose bounds are the wrong way round. */
  | 'BAD_RANGE'
  | 'RUN_NOT_FOUND'
  /** The run is going on in another Titlewave window or process (which holds its lock). */
  | 'RUN_ELSEWHERE'
  /** The run is going here and must end (or be cancelled) first. */
  | 'RUN_GOING'
  /** Pause or resume of a run that is not going. */
  | 'RUN_NOT_GOING'
  /** A file the user has would be replaced: asked first (see commandErrorCodes). */
  | 'OUTPUT_EXISTS'
  /** An output whose disk cannot hold what the job would write (a primes list). */
  | 'NO_SPACE'
  /** A host command that this host cannot do (browser mode runs some in the page). */
  | 'NOT_AVAILABLE'
  /** A folder to show that is not an existing folder. */
  | 'NOT_A_FOLDER';

/** A command the services (or a host) refuse: nothing was done. */
export class RefusalError extends TitlewaveError<RefusalCode> {}
