// CRC-32C (Castagnoli), the checksum etcd's HashKV and `snapshot status` use (Go's crc32.MakeTable(crc32.Castagnoli)).
// Slicing-by-8 over Uint8Arrays: Node's zlib.crc32 is the IEEE polynomial, not this one.

const POLYNOMIAL = 0x82f63b78; // reflected 0x1EDC6F41

const TABLES: readonly Int32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const first = tables[0] as Int32Array;
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    first[byte] = crc;
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = first[byte] as number;
    for (let slice = 1; slice < 8; slice++) {
      crc = (first[crc & 0xff] as number) ^ (crc >>> 8);
      (tables[slice] as Int32Array)[byte] = crc;
    }
  }
  return tables;
})();

/** A running CRC-32C, fed in order like Go's hash.Hash32. */
export class Crc32c {
  /** The register, pre-inverted as in Go's `update(^crc, ...)`. */
  private register = ~0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    let crc = this.register;
    let index = start;
    const fast = end - ((end - start) & 7);
    while (index < fast) {
      const low =
        crc ^
        ((bytes[index] as number) |
          ((bytes[index + 1] as number) << 8) |
          ((bytes[index + 2] as number) << 16) |
          ((bytes[index + 3] as number) << 24));
      crc =
        (t7[low & 0xff] as number) ^
        (t6[(low >>> 8) & 0xff] as number) ^
        (t5[(low >>> 16) & 0xff] as number) ^
        (t4[low >>> 24] as number) ^
        (t3[bytes[index + 4] as number] as number) ^
        (t2[bytes[index + 5] as number] as number) ^
        (t1[bytes[index + 6] as number] as number) ^
        (t0[bytes[index + 7] as number] as number);
      index += 8;
    }
    while (index < end) {
      crc = (t0[(crc ^ (bytes[index] as number)) & 0xff] as number) ^ (crc >>> 8);
      index++;
    }
    this.register = crc;
    return this;
  }

  /** The checksum so far, as an unsigned 32-bit number (Go's Sum32). */
  digest(): number {
    return ~this.register >>> 0;
  }
}

export function crc32c(bytes: Uint8Array): number {
  return new Crc32c().update(bytes).digest();
}
