/**
 * ASCII lower case: what Go's header-token, DNS-name and X.500 comparisons fold. Unlike
 * `toLowerCase`, it leaves every other character as it is (`İ` keeps its length). (x509-name.ts
 * folds its own: the CRL module may reach only its DER, Name and CA-key modules.)
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
