/**
 * The digest algorithms this stack computes: RFC 3261's MD5 and the SHA-256
 * that RFC 8760 §2.1 adds, each with its "-sess" variant. RFC 8760 also
 * defines SHA-512-256; the SPEC asks for MD5 and SHA-256 only, so such
 * challenges are skipped like any unknown algorithm (RFC 8760 §2.4: the
 * client "MUST ignore any challenge it does not understand").
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

/** The node:crypto hash behind an algorithm family. */
export type HashName = 'md5' | 'sha256';

/**
 * The canonical spelling of an algorithm name, or undefined when unknown.
 * Case-insensitive because RFC 3261 §25.1 writes the values as ABNF
 * literals, which RFC 2234 §2.3 makes case-insensitive.
 */
export function toDigestAlgorithm(name: string): DigestAlgorithm | undefined {
  const lower = name.toLowerCase();
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === lower);
}

export function hashOf(algorithm: DigestAlgorithm): HashName {
  return algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
}

/** RFC 7616 §3.4.2: the "-sess" variants fold nonce and cnonce into HA1. */
export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}
