/**
 * A small, strict DER reader: just enough ASN.1 to walk a CRL and a certificate without a
 * general-purpose X.509 library. It refuses anything that is not plain DER — indefinite or
 * non-minimal lengths, lengths past the end, high tag numbers, trailing bytes — so a
 * malformed input fails here rather than being half-understood.
 */

/** Tag bytes (class, constructed bit and number in one octet) the X.509 structures use. */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT / constructed context-specific tag 0. */
  CONTEXT_0: 0xa0,
} as const;

/** One DER element (tag, length, content), pointing into the input buffer. */
export interface DerElement {
  /** The identifier octet. */
  tag: number;
  /** The whole encoding, byte for byte as in the input (what a signature covers). */
  der: Buffer;
  /** The content octets. */
  content: Buffer;
  /** Offset of the element in the buffer it was read from, for error messages. */
  offset: number;
}

/** Lengths beyond this many octets are not plausible in a CRL or certificate. */
const MAX_LENGTH_OCTETS = 4;

/** Read the element that starts at `offset` of `buf`; throws unless it is well-formed DER. */
function readElement(buf: Buffer, offset: number): DerElement {
  const at = (i: number, what: string): number => {
    const byte = buf[i];
    if (byte === undefined) throw new Error(`DER: ${what} past the end of the input at offset ${i}`);
    return byte;
  };
  const tag = at(offset, 'tag');
  if ((tag & 0x1f) === 0x1f) throw new Error(`DER: high tag number form at offset ${offset} is not supported`);
  const first = at(offset + 1, 'length');
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new Error(`DER: indefinite length at offset ${offset}`);
    if (count > MAX_LENGTH_OCTETS) throw new Error(`DER: length of ${count} octets at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + at(offset + 2 + i, 'length');
    if (at(offset + 2, 'length') === 0 || length < 0x80) throw new Error(`DER: non-minimal length at offset ${offset}`);
    header = 2 + count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error(`DER: length ${length} at offset ${offset} runs past the end of the input`);
  return { tag, der: buf.subarray(offset, end), content: buf.subarray(offset + header, end), offset };
}

/** Parse `buf` as exactly one DER element: no trailing bytes. */
export function parseDer(buf: Buffer): DerElement {
  const el = readElement(buf, 0);
  if (el.der.length !== buf.length) throw new Error(`DER: ${buf.length - el.der.length} trailing bytes after the outer element`);
  return el;
}

/** The elements that make up a constructed element's content, back to back with nothing left over. */
export function derChildren(el: DerElement): DerElement[] {
  if ((el.tag & 0x20) === 0) throw new Error(`DER: element at offset ${el.offset} is not constructed`);
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < el.content.length) {
    const child = readElement(el.content, offset);
    out.push({ ...child, offset: el.offset + (el.der.length - el.content.length) + offset });
    offset += child.der.length;
  }
  return out;
}

/** Throw unless `el` has tag `tag`; `what` names the field in the message. */
export function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (!el) throw new Error(`DER: ${what} is missing`);
  if (el.tag !== tag) throw new Error(`DER: ${what} has tag 0x${el.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return el;
}

/**
 * Walks the children of a SEQUENCE in order: required fields, optional fields recognised by
 * their tag, and a final check that nothing unexpected follows.
 */
export class DerSequence {
  private readonly items: DerElement[];
  private readonly what: string;
  private index = 0;

  /** `el` must be a SEQUENCE (or another constructed element when `tag` says so). */
  constructor(el: DerElement | undefined, what: string, tag: number = DerTag.SEQUENCE) {
    this.items = derChildren(expectTag(el, tag, what));
    this.what = what;
  }

  /** The next element, which must have tag `tag`. */
  next(tag: number, what: string): DerElement {
    const el = expectTag(this.items[this.index], tag, `${this.what}.${what}`);
    this.index++;
    return el;
  }

  /** The next element, whatever its tag. */
  nextAny(what: string): DerElement {
    const el = this.items[this.index];
    if (!el) throw new Error(`DER: ${this.what}.${what} is missing`);
    this.index++;
    return el;
  }

  /** The next element if it has one of `tags`, else undefined (and nothing is consumed). */
  optional(...tags: number[]): DerElement | undefined {
    const el = this.items[this.index];
    if (!el || !tags.includes(el.tag)) return undefined;
    this.index++;
    return el;
  }

  /** Throw if elements are left that no field accounted for. */
  end(): void {
    const left = this.items[this.index];
    if (left) throw new Error(`DER: ${this.what} has an unexpected element (tag 0x${left.tag.toString(16)}) at offset ${left.offset}`);
  }
}

/** An OBJECT IDENTIFIER in dotted form. */
export function readOid(el: DerElement): string {
  expectTag(el, DerTag.OID, 'OBJECT IDENTIFIER');
  const bytes = el.content;
  if (bytes.length === 0) throw new Error(`DER: empty OBJECT IDENTIFIER at offset ${el.offset}`);
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const byte of bytes) {
    if (fresh && byte === 0x80) throw new Error(`DER: non-minimal OBJECT IDENTIFIER arc at offset ${el.offset}`);
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw new Error(`DER: truncated OBJECT IDENTIFIER at offset ${el.offset}`);
  const head = arcs[0] as bigint;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...arcs.slice(1)].join('.');
}

/**
 * The content octets of an INTEGER as lowercase hex (two's complement, as encoded).
 * Refuses an empty or non-minimally encoded INTEGER, as OpenSSL does.
 */
export function readIntegerHex(el: DerElement): string {
  expectTag(el, DerTag.INTEGER, 'INTEGER');
  const [b0, b1] = el.content;
  if (b0 === undefined) throw new Error(`DER: empty INTEGER at offset ${el.offset}`);
  if (b1 !== undefined && ((b0 === 0x00 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0))) {
    throw new Error(`DER: non-minimal INTEGER at offset ${el.offset}`);
  }
  return el.content.toString('hex');
}

/**
 * An INTEGER as signed hex, the way Node reports a certificate's serial: `-01` for the byte
 * `ff` (two's complement). RFC 5280 forbids negative serials, but some old CAs issued them, and
 * a CRL entry must name the same certificate Node's serial names.
 */
export function readSignedIntegerHex(el: DerElement): string {
  const hex = readIntegerHex(el);
  if (((el.content[0] ?? 0) & 0x80) === 0) return hex;
  return `-${((1n << BigInt(el.content.length * 8)) - BigInt(`0x${hex}`)).toString(16)}`;
}

/** A small non-negative INTEGER (such as a version field) as a number. */
export function readSmallInteger(el: DerElement): number {
  const hex = readIntegerHex(el);
  if (hex.length > 8 || ((el.content[0] ?? 0) & 0x80) !== 0) throw new Error(`DER: INTEGER at offset ${el.offset} is out of range`);
  return Number.parseInt(hex, 16);
}

/** The bits of a BIT STRING that has no unused bits (signatures, keys). */
export function readBitStringBytes(el: DerElement): Buffer {
  expectTag(el, DerTag.BIT_STRING, 'BIT STRING');
  const unused = el.content[0];
  if (unused === undefined) throw new Error(`DER: empty BIT STRING at offset ${el.offset}`);
  if (unused !== 0) throw new Error(`DER: BIT STRING at offset ${el.offset} has ${unused} unused bits`);
  return el.content.subarray(1);
}

/** Throw unless `el` is a NULL. */
export function readNull(el: DerElement): void {
  expectTag(el, DerTag.NULL, 'NULL');
  if (el.content.length !== 0) throw new Error(`DER: NULL with content at offset ${el.offset}`);
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/;

/**
 * A UTCTime (YYMMDDHHMMSSZ; years below 50 are 20xx, as RFC 5280 says) or GeneralizedTime
 * (YYYYMMDDHHMMSS[.fff]Z) as a Date. Only the UTC forms DER allows are accepted.
 */
export function readTime(el: DerElement): Date {
  const text = el.content.toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  let millis = 0;
  if (el.tag === DerTag.UTC_TIME && (m = UTC_TIME.exec(text))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (el.tag === DerTag.GENERALIZED_TIME && (m = GENERALIZED_TIME.exec(text))) {
    year = Number(m[1]);
    if (m[7] !== undefined) millis = Number(m[7].slice(0, 3).padEnd(3, '0'));
  } else {
    throw new Error(`DER: not a UTCTime or GeneralizedTime at offset ${el.offset}: ${JSON.stringify(text)}`);
  }
  const [month, day, hour, minute, second] = m.slice(2, 7).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC rolls 31 February over into March; a round trip catches every out-of-range field.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second) {
    throw new Error(`DER: invalid date at offset ${el.offset}: ${JSON.stringify(text)}`);
  }
  return date;
}
