// Verification codes for printed certificates: an HMAC-SHA256 (registry key) over the canonical JSON
// of the certificate content, cut to 80 bits and written as 16 base32 characters in groups of four
// (e.g. K7QD-3MXA-9VTE-2HBN). Short enough to type, long enough not to be guessed; the public
// /verify/<code> page looks the certificate up and recomputes the code before saying it is genuine.
import { createHmac, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** JSON with object keys sorted, so the same content always gives the same bytes. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function base32(bytes: Uint8Array, chars: number): string {
  let bits = 0, value = 0, out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export function certificateCode(content: unknown, key: Uint8Array | string): string {
  if (!key || key.length < 16) throw new Error('certificate key must be at least 16 bytes');
  const mac = createHmac('sha256', key).update(canonicalJson(content)).digest();
  return base32(mac, 16).match(/.{4}/g)!.join('-');
}

/** Accepts the code as people type it: any case, with or without dashes or spaces; O->0, I/L->1. */
export function normalizeCode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== 16 || [...s].some((c) => !ALPHABET.includes(c))) return undefined;
  return s.match(/.{4}/g)!.join('-');
}

export function verifyCertificateCode(content: unknown, code: string, key: Uint8Array | string): boolean {
  const n = normalizeCode(code);
  if (!n) return false;
  const expected = Buffer.from(certificateCode(content, key));
  const got = Buffer.from(n);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
