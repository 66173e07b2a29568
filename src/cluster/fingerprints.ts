/**
 * Sets sized for ten million entries and more without holding the entries: 64-bit fingerprints of the keys in an
 * open-addressing table (8 bytes a slot; two keys collide with odds of about n²/2^65, a few in a million for 10^7
 * keys), and a growable bit set over indices.
 */

/** Two independent 32-bit FNV-1a style hashes over the UTF-16 code units of `text`. */
function fingerprint(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  // 0 marks an empty slot.
  return [a >>> 0 || 1, b >>> 0];
}

export class FingerprintSet {
  #slots = new Uint32Array(2 * 1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds the key; false when it (or a key with the same fingerprint) was already there. */
  add(key: string): boolean {
    if ((this.#size + 1) * 10 > (this.#slots.length / 2) * 7) this.#grow();
    const [high, low] = fingerprint(key);
    return this.#insert(high, low);
  }

  #insert(high: number, low: number): boolean {
    const mask = this.#slots.length / 2 - 1;
    let at = (low ^ Math.imul(high, 0x27d4eb2d)) & mask;
    for (;;) {
      const slotHigh = this.#slots[at * 2] as number;
      if (slotHigh === 0) {
        this.#slots[at * 2] = high;
        this.#slots[at * 2 + 1] = low;
        this.#size += 1;
        return true;
      }
      if (slotHigh === high && this.#slots[at * 2 + 1] === low) return false;
      at = (at + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.#insert(old[i] as number, old[i + 1] as number);
  }
}

export class BitSet {
  #bytes = new Uint8Array(1024);

  has(index: number): boolean {
    return index >> 3 < this.#bytes.length && ((this.#bytes[index >> 3] as number) & (1 << (index & 7))) !== 0;
  }

  add(index: number): void {
    const byte = index >> 3;
    if (byte >= this.#bytes.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bytes.length * 2));
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[byte] = (this.#bytes[byte] as number) | (1 << (index & 7));
  }
}
