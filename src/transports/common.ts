// What every HL7 transport (HTTP, SOAP, MLLP) does the same way around the registry's one entry point:
// the size limit, the "only for the facility you authenticate as" rule, and AR answers for messages the
// transport refuses before the registry sees them.
import type { Pool } from 'pg';
import type { Config } from '../config.ts';
import { buildAck } from '../hl7v2/ack.ts';
import { buildEr7, parseEr7, type Er7Message } from '../hl7v2/er7.ts';
import { buildRspZ33 } from '../hl7v2/rsp.ts';
import type { Finding } from '../pipeline/canonical.ts';
import { getRegistryContext, type RegistryContext } from '../registry/context.ts';
import { handleHl7Message, peekMsh, type Hl7Answer, type Hl7Channel } from '../registry/hl7.ts';
import type { Sender } from '../registry/senders.ts';

export interface TransportContext {
  pool: Pool;
  config: Config;
}

/** Why a transport refused a message. */
export type RefusalKind = 'security' | 'too-large' | 'malformed';

let seq = 0;
function controlId(now: Date): string {
  seq = (seq + 1) % 1_000_000;
  return `IIST${now.getTime().toString(36).toUpperCase()}${seq.toString().padStart(6, '0')}`;
}

function tryParse(text: string | undefined): Er7Message | undefined {
  if (!text || text.indexOf('MSH') < 0) return undefined;
  try {
    return parseEr7(text.slice(text.indexOf('MSH')));
  } catch {
    return undefined;
  }
}

const REFUSAL_ERR: Record<RefusalKind, { hl7: string; hl7Text: string; app: string; appText: string }> = {
  // HL7 table 0357 has no security code; ERR-5 carries a local (table L) code so a sender can tell it apart.
  security: { hl7: '207', hl7Text: 'Application internal error', app: 'SECURITY', appText: 'Security' },
  'too-large': { hl7: '207', hl7Text: 'Application internal error', app: 'TOOLARGE', appText: 'Message too large' },
  malformed: { hl7: '100', hl7Text: 'Segment sequence error', app: 'MALFORMED', appText: 'Malformed message' },
};

/**
 * An AR answer to a message the transport refuses (bad credentials, another facility, too large, not HL7):
 * an ACK for a VXU (or anything unreadable), an RSP Z33 for a QBP, with one ERR saying why.
 */
export function refusalAnswer(text: string | undefined, kind: RefusalKind, message: string, o: { now?: Date; receivingApplication?: string; receivingFacility?: string } = {}): string {
  const now = o.now ?? new Date();
  const request = tryParse(text);
  const e = REFUSAL_ERR[kind];
  const err = buildEr7([['ERR', undefined, undefined, [e.hl7, e.hl7Text, 'HL70357'], 'E', [e.app, e.appText, 'L'], undefined, undefined, message]]);
  const opts = { request, now, controlId: controlId(now), receivingApplication: o.receivingApplication ?? 'IIS', receivingFacility: o.receivingFacility ?? 'IIS' };
  const type = text ? peekMsh(text).messageType : undefined;
  const base = type === 'QBP'
    ? buildRspZ33({ ...opts, findings: [] }, 'AR')
    : buildAck({ ...opts, ackCode: 'AR', findings: [] as Finding[] });
  return base + err;
}

/** MSH-4 (sending facility) of a message: its HD components, without a full parse. */
export function sendingFacility(text: string): string[] {
  const start = text.indexOf('MSH');
  if (start < 0) return [];
  const sep = text[start + 3];
  const comp = text[start + 4] ?? '^';
  if (!sep) return [];
  const line = text.slice(start).split(/\r\n|\r|\n/, 1)[0]!;
  const f = line.split(sep);
  return (f[3] ?? '').split(comp).map((s) => s.trim());
}

/**
 * A message is accepted only for the facility its sender authenticates as: MSH-4 must name that facility's code
 * (in HD-1, namespace id, or HD-2, universal id; case-insensitive). An empty MSH-4 is taken as the authenticated
 * facility. Returns a refusal message, or undefined when the message may go on.
 */
export function facilityMismatch(sender: Sender, text: string): string | undefined {
  const hd = sendingFacility(text).slice(0, 2).filter(Boolean);
  if (hd.length === 0) return undefined;
  const code = (sender.facilityCode ?? '').toLowerCase();
  if (code && hd.some((v) => v.toLowerCase() === code)) return undefined;
  return `Security: this message's sending facility (MSH-4 "${hd.join('^')}") is not the facility these credentials belong to (${sender.facilityCode ?? 'none'}); nothing was stored.`;
}

export function tooLargeMessage(bytes: number, limit: number): string {
  return `The message is ${bytes} bytes; this registry accepts HL7 messages of at most ${limit} bytes. Nothing was stored: split the message or send fewer patients per message.`;
}

/**
 * Size check, facility check, then the registry. Never throws: a failure to reach the registry (database down)
 * is answered with AE "resend later", as handleHl7Message does for storage failures.
 */
export async function submitHl7(t: TransportContext, text: string, sender: Sender, channel: Hl7Channel): Promise<Hl7Answer> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > t.config.maxMessageBytes) {
    return { response: refusalAnswer(text, 'too-large', tooLargeMessage(bytes, t.config.maxMessageBytes)), ackCode: 'AR', duplicate: false };
  }
  const mismatch = facilityMismatch(sender, text);
  if (mismatch) return { response: refusalAnswer(text, 'security', mismatch), ackCode: 'AR', duplicate: false };
  let ctx: RegistryContext;
  try {
    ctx = await getRegistryContext(t.pool, t.config);
  } catch (e) {
    console.error('registry context unavailable:', (e as Error).message);
    const findings: Finding[] = [{ code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: 'The registry is not available; nothing was saved. Please resend later.', scope: { kind: 'message' } }];
    const now = new Date();
    return { response: buildAck({ request: tryParse(text), ackCode: 'AE', findings, controlId: controlId(now), now }), ackCode: 'AE', duplicate: false };
  }
  return handleHl7Message(ctx, text, sender, channel);
}

/** MSA-1 of an answer (AA/AE/AR), or undefined when it has none. */
export function answerCode(er7: string): string | undefined {
  const m = /(?:^|\r)MSA\|([A-Z]{2})/.exec(er7);
  return m?.[1];
}
