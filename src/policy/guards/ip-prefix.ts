/**
 * IP addresses and prefixes read as Go's `net.ParseIP` and `net.ParseCIDR` read them (what
 * dockerd uses for a network's `Subnet`, `IPRange`, `Gateway` and auxiliary addresses), and
 * whether one prefix lies inside another.
 *
 * Strict where Go is strict (IPv4 octets without leading zeros, at most four hex digits per
 * IPv6 group, no zone, no spaces), and anything it does not read the way Go does is
 * `undefined`, so a guard refuses it. IPv4-mapped IPv6 (`::ffff:10.0.0.0/104`) is refused on
 * purpose: dockerd 20.10 accepts it as a subnet and then treats it as neither family cleanly.
 */

/** An address or prefix: its family, its bytes (4 or 16) and its prefix length in bits. */
export interface IpPrefix {
  family: 4 | 6;
  bytes: Uint8Array;
  /** Bits of `bytes` that name the network: 32 or 128 for a single address. */
  length: number;
}

/** Go's IPv4 reading: four decimal octets 0-255, no leading zeros (Go 1.17 and later). */
function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Go's IPv6 reading: hex groups of 1-4 digits, at most one `::`, an IPv4 tail allowed. */
function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return undefined;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  // An IPv4 tail may only end the address.
  if (halves.length === 2 && (halves[0] as string).includes('.')) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** A single address (`10.0.0.1`, `fd00::1`) as a prefix of full length, or undefined. */
export function parseIpAddress(text: string): IpPrefix | undefined {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes && !isV4Mapped(bytes) ? { family: 6, bytes, length: 128 } : undefined;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes, length: 32 } : undefined;
}

/**
 * A prefix in CIDR notation (`10.200.0.0/16`), or undefined. Host bits may be set, as Go's
 * `ParseCIDR` allows (`10.0.0.5/8`, which dockerd 20.10 uses as `10.0.0.0/8`): containment
 * looks only at the network bits. The length is decimal digits, as Go reads it.
 */
export function parseIpPrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpAddress(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (!address || !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const length = Number(bits);
  if (length > address.bytes.length * 8) return undefined;
  return { ...address, length };
}

/** Whether `inner`'s bits agree with `outer`'s over `outer`'s network bits. */
function sameNetworkBits(outer: IpPrefix, inner: IpPrefix): boolean {
  const whole = outer.length >> 3;
  for (let i = 0; i < whole; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const rest = outer.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((outer.bytes[whole] as number) & mask) === ((inner.bytes[whole] as number) & mask);
}

/** Whether every address of `inner` lies in `outer` (same family, at least as long, same network bits). */
export function prefixContains(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.family === inner.family && inner.length >= outer.length && sameNetworkBits(outer, inner);
}

/** Whether a prefix has host bits set (`10.0.0.5/8`): its network address differs from it. */
export function hasHostBits(prefix: IpPrefix): boolean {
  for (let bit = prefix.length; bit < prefix.bytes.length * 8; bit++) {
    if (((prefix.bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

/** The prefix written with its host bits cleared (`10.0.0.0/8` for `10.0.0.5/8`), for hints. */
export function networkOf(prefix: IpPrefix): string {
  const bytes = Uint8Array.from(prefix.bytes);
  for (let bit = prefix.length; bit < bytes.length * 8; bit++) bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  if (prefix.family === 4) return `${[...bytes].join('.')}/${prefix.length}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${prefix.length}`;
}
