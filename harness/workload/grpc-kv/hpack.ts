// HPACK (RFC 7541) as far as a gRPC client with a zero-size dynamic table needs it: requests are encoded as literals
// without indexing (never Huffman), responses are decoded from the static table, literals and Huffman strings. The
// client announces SETTINGS_HEADER_TABLE_SIZE = 0, so a conforming server never refers to dynamic entries; one that
// does gets a decode error rather than a wrong header.
import { HarnessError } from '../../errors.js';
import { HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES, STATIC_TABLE } from './hpack-tables.js';

export class HpackError extends HarnessError {
  override readonly name: string = 'HpackError';
}

export type HeaderList = readonly (readonly [name: string, value: string])[];

/** A decoding trie of the Huffman code: node i's children at 2i+... kept as arrays of next node or symbol. */
interface HuffmanNode {
  zero: HuffmanNode | number | undefined;
  one: HuffmanNode | number | undefined;
}

const HUFFMAN_ROOT: HuffmanNode = (() => {
  const root: HuffmanNode = { zero: undefined, one: undefined };
  for (let symbol = 0; symbol < 256; symbol++) {
    const code = HUFFMAN_CODES[symbol] as number;
    const length = HUFFMAN_CODE_LENGTHS[symbol] as number;
    let node = root;
    for (let bit = length - 1; bit >= 0; bit--) {
      const one = ((code >>> bit) & 1) === 1;
      if (bit === 0) {
        if (one) node.one = symbol;
        else node.zero = symbol;
      } else {
        const next = one ? node.one : node.zero;
        if (typeof next === 'object') node = next;
        else {
          const created: HuffmanNode = { zero: undefined, one: undefined };
          if (one) node.one = created;
          else node.zero = created;
          node = created;
        }
      }
    }
  }
  return root;
})();

export function huffmanDecode(bytes: Uint8Array): string {
  const out: number[] = [];
  let node = HUFFMAN_ROOT;
  let depth = 0;
  let allOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((byte >>> bit) & 1) === 1;
      const next = one ? node.one : node.zero;
      depth++;
      allOnes &&= one;
      if (next === undefined) throw new HpackError('invalid Huffman code in a header');
      if (typeof next === 'number') {
        out.push(next);
        node = HUFFMAN_ROOT;
        depth = 0;
        allOnes = true;
      } else node = next;
    }
  }
  // Padding: fewer than 8 bits, all ones (the EOS code's prefix).
  if (depth > 7 || !allOnes) throw new HpackError('invalid Huffman padding in a header');
  return Buffer.from(out).toString('latin1');
}

class BlockReader {
  offset = 0;
  constructor(readonly block: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.block.length;
  }

  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = (this.block[this.offset++] as number) & max;
    if (value < max) return value;
    let multiplier = 1;
    for (;;) {
      if (this.offset >= this.block.length) throw new HpackError('truncated integer in a header block');
      const byte = this.block[this.offset++] as number;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return value;
      multiplier *= 128;
      if (multiplier > 2 ** 28) throw new HpackError('integer too large in a header block');
    }
  }

  string(): string {
    const huffman = ((this.block[this.offset] as number) & 0x80) !== 0;
    const length = this.integer(7);
    const end = this.offset + length;
    if (end > this.block.length) throw new HpackError('a header string runs past its block');
    const bytes = this.block.subarray(this.offset, end);
    this.offset = end;
    return huffman ? huffmanDecode(bytes) : Buffer.from(bytes).toString('latin1');
  }
}

function staticEntry(index: number): readonly [string, string] {
  const entry = STATIC_TABLE[index - 1];
  if (!entry)
    throw new HpackError(
      `a header refers to dynamic table entry ${index}, but this client announced a table size of 0`,
    );
  return entry;
}

/** Decodes a header block (no dynamic table). */
export function decodeHeaderBlock(block: Uint8Array): HeaderList {
  const reader = new BlockReader(block);
  const headers: [string, string][] = [];
  while (!reader.done) {
    const first = block[reader.offset] as number;
    if (first & 0x80) {
      headers.push([...staticEntry(reader.integer(7))]); // indexed field
    } else if ((first & 0xe0) === 0x20) {
      reader.integer(5); // dynamic table size update (to 0)
    } else {
      // Literal: with incremental indexing (01), without indexing (0000) or never indexed (0001). With a table size
      // of 0, "incremental indexing" adds nothing.
      const prefix = (first & 0xc0) === 0x40 ? 6 : 4;
      const nameIndex = reader.integer(prefix);
      const name = nameIndex === 0 ? reader.string() : staticEntry(nameIndex)[0];
      headers.push([name, reader.string()]);
    }
  }
  return headers;
}

function encodeInteger(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const bytes = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/**
 * A header block of literals without indexing (name from the static table where it has one), never Huffman-coded:
 * what a request sends, computed once per method and endpoint.
 */
export function encodeHeaderBlock(headers: HeaderList): Buffer {
  const bytes: number[] = [];
  for (const [name, value] of headers) {
    const exact = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (exact !== -1) {
      bytes.push(...encodeInteger(exact + 1, 7, 0x80));
      continue;
    }
    const nameIndex = STATIC_TABLE.findIndex(([n]) => n === name);
    bytes.push(...encodeInteger(nameIndex + 1, 4, 0x00));
    if (nameIndex === -1) {
      const nameBytes = Buffer.from(name, 'latin1');
      bytes.push(...encodeInteger(nameBytes.length, 7, 0x00), ...nameBytes);
    }
    const valueBytes = Buffer.from(value, 'latin1');
    bytes.push(...encodeInteger(valueBytes.length, 7, 0x00), ...valueBytes);
  }
  return Buffer.from(bytes);
}
