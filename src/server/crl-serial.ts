/** Serial numbers as the CRL checks compare them (a CRL's entries, a peer certificate's serial). */

/** Normalise a serial number for comparison: lowercase hex without leading zeros. */
export function normalizeSerialHex(serial: string): string {
  const negative = serial.startsWith('-');
  const digits = (negative ? serial.slice(1) : serial).toLowerCase().replace(/^0+(?=.)/, '');
  return negative && digits !== '0' ? `-${digits}` : digits;
}
