/**
 * Certificate serial numbers. Serials are 128 random bits (RFC 5280 allows up to 20 octets;
 * CA/B forum wants at least 64 bits of entropy) so two certificates of one CA never collide
 * and serials reveal nothing about issuance order.
 */
import { randomBytes } from 'node:crypto';

/**
 * A fresh positive 128-bit serial as 32 lowercase hex digits. The top bit is forced on so the
 * value is exactly 128 bits long and its hex form has no leading zeros; the DER encoder adds
 * the 0x00 sign octet itself.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) | 0x80;
  return bytes.toString('hex');
}

/**
 * Canonical form of a serial typed by a person or printed by another tool: lowercase hex,
 * no `0x`, no `:` separators, no leading zero octets (OpenSSL prints `0A`, Node `0A`,
 * @peculiar/x509 `0a`; all become `0a`). Returns undefined when the text is not hex.
 */
export function normalizeSerial(input: string): string | undefined {
  let hex = input.trim().toLowerCase();
  if (hex.startsWith('0x')) hex = hex.slice(2);
  hex = hex.replace(/:/g, '');
  if (hex.length === 0 || !/^[0-9a-f]+$/.test(hex)) return undefined;
  if (hex.length % 2 === 1) hex = '0' + hex;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}
