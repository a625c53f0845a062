/**
 * The secret bits of a cipher suite from its OpenSSL or IANA name, the third item of
 * Python's `SSLSocket.cipher()` (Node's `getCipher()` does not give it).
 */
export function cipherBits(name: string): number {
  const upper = name.toUpperCase();
  if (/AES_?256|CHACHA20|CAMELLIA_?256|ARIA_?256/.test(upper)) return 256;
  if (/AES_?128|CAMELLIA_?128|ARIA_?128|SM4/.test(upper)) return 128;
  if (/3DES|DES_?CBC3|DES-CBC3/.test(upper)) return 168;
  return 0;
}
