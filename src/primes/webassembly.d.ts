/**
 * The parts of the WebAssembly JavaScript API the sieve kernel uses (src/primes/sieve-kernel.ts). Node has them all;
 * TypeScript declares them only in its DOM library, which the Node side of the project does not load.
 */
declare namespace WebAssembly {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an opaque handle, as in lib.dom.d.ts
  interface Module {}
  const Module: { new (bytes: Uint8Array): Module };
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  const Instance: { new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
}
