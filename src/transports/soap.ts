// CDC's IIS SOAP web service (urn:cdc:iisb:2011): `GET /soap?wsdl` serves the WSDL, `POST /soap` answers
// connectivityTest and submitSingleMessage. SOAP 1.2 as the WSDL binds it; SOAP 1.1 envelopes (what many
// clients send by default) are answered in 1.1. Envelopes are parsed with fast-xml-parser; answers are written
// as text (they are small and fixed).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { authenticateSender } from '../registry/senders.ts';
import { submitHl7, tooLargeMessage, type TransportContext } from './common.ts';
import { IIS_NAMESPACE, iisWsdl } from './soap-wsdl.ts';

const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

export type SoapVersion = '1.1' | '1.2';
export type IisFaultKind = 'UnknownFault' | 'UnsupportedOperationFault' | 'SecurityFault' | 'MessageTooLargeFault';

/** Fault detail codes (the WSDL types them as integers without fixing values). */
export const FAULT_CODES: Record<IisFaultKind, number> = { UnknownFault: 0, SecurityFault: 10, MessageTooLargeFault: 20, UnsupportedOperationFault: 30 };
const FAULT_REASON: Record<IisFaultKind, string> = { UnknownFault: 'Unknown', SecurityFault: 'Security', MessageTooLargeFault: 'MessageTooLarge', UnsupportedOperationFault: 'UnsupportedOperation' };
/** The detail element of each fault, as the WSDL's fault messages name them. */
const FAULT_ELEMENT: Record<IisFaultKind, string> = { UnknownFault: 'fault', SecurityFault: 'SecurityFault', MessageTooLargeFault: 'MessageTooLargeFault', UnsupportedOperationFault: 'UnsupportedOperationFault' };

export class IisFault extends Error {
  constructor(readonly kind: IisFaultKind, readonly detail: string, readonly receiver = false) {
    super(detail);
  }
}

/** XML 1.0 text: escape markup, keep CR as a character reference (HL7 segment separators survive), drop characters XML cannot carry. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function envelope(version: SoapVersion, body: string): string {
  const ns = version === '1.2' ? SOAP12_NS : SOAP11_NS;
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export function faultEnvelope(version: SoapVersion, f: IisFault): string {
  const reason = FAULT_REASON[f.kind];
  const el = FAULT_ELEMENT[f.kind];
  const detail = `<${el} xmlns="${IIS_NAMESPACE}"><Code>${FAULT_CODES[f.kind]}</Code><Reason>${reason}</Reason><Detail>${xmlText(f.detail)}</Detail></${el}>`;
  if (version === '1.2') {
    return envelope(version, `<soap:Fault><soap:Code><soap:Value>soap:${f.receiver ? 'Receiver' : 'Sender'}</soap:Value></soap:Code>`
      + `<soap:Reason><soap:Text xml:lang="en">${xmlText(reason === 'Unknown' ? f.detail : `${reason}: ${f.detail}`)}</soap:Text></soap:Reason>`
      + `<soap:Detail>${detail}</soap:Detail></soap:Fault>`);
  }
  return envelope(version, `<soap:Fault><faultcode>soap:${f.receiver ? 'Server' : 'Client'}</faultcode>`
    + `<faultstring>${xmlText(reason === 'Unknown' ? f.detail : `${reason}: ${f.detail}`)}</faultstring><detail>${detail}</detail></soap:Fault>`);
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  // Needed for numeric character references: clients send HL7's segment separator as &#xD;.
  htmlEntities: true,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export interface SoapCall {
  version: SoapVersion;
  operation: string;
  args: Record<string, string>;
}

const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && '#text' in (v as object)) return text((v as Record<string, unknown>)['#text']);
  return '';
};

/** The operation and its (string) arguments of a SOAP envelope; IisFault UnknownFault when it is not one. */
export function parseSoapCall(xml: string): SoapCall {
  const version: SoapVersion = xml.includes(SOAP12_NS) ? '1.2' : '1.1';
  if (/<!DOCTYPE/i.test(xml)) throw new IisFault('UnknownFault', 'SOAP messages must not contain a document type declaration.');
  if (!xml.includes(SOAP12_NS) && !xml.includes(SOAP11_NS)) throw new IisFault('UnknownFault', 'Not a SOAP envelope: expected an Envelope in the SOAP 1.2 (or 1.1) namespace.');
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (e) {
    throw new IisFault('UnknownFault', `The request is not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const env = doc.Envelope as Record<string, unknown> | undefined;
  const body = env && typeof env === 'object' ? env.Body as Record<string, unknown> | undefined : undefined;
  if (!body || typeof body !== 'object') throw new IisFault('UnknownFault', 'The SOAP envelope has no Body.');
  const operation = Object.keys(body).find((k) => !k.startsWith('#') && !k.startsWith('?'));
  if (!operation) throw new IisFault('UnknownFault', 'The SOAP Body is empty: expected connectivityTest or submitSingleMessage.');
  const raw = body[operation];
  const args: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (!k.startsWith('#')) args[k] = text(Array.isArray(v) ? v[0] : v);
  }
  return { version, operation, args };
}

function soapContentType(version: SoapVersion): string {
  return version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
}

function sendFault(reply: FastifyReply, version: SoapVersion, f: IisFault) {
  // SOAP 1.2 over HTTP: Sender faults are 400, Receiver faults 500; SOAP 1.1: always 500.
  const status = version === '1.2' && !f.receiver ? 400 : 500;
  return reply.code(status).type(soapContentType(version)).send(faultEnvelope(version, f));
}

const versionOf = (req: FastifyRequest): SoapVersion => ((req.headers['content-type'] ?? '').includes('soap+xml') ? '1.2' : '1.1');

export async function registerSoapRoutes(app: FastifyInstance, t: TransportContext): Promise<void> {
  // The envelope is larger than the message it carries (escaping); MessageTooLargeFault is decided on the message.
  const envelopeLimit = t.config.maxMessageBytes * 2 + 64 * 1024;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: envelopeLimit }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      const version = versionOf(req);
      if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const len = Number(req.headers['content-length']);
        return sendFault(reply, version, new IisFault('MessageTooLargeFault', Number.isFinite(len) ? tooLargeMessage(len, t.config.maxMessageBytes) : `The request is larger than this registry accepts (messages of at most ${t.config.maxMessageBytes} bytes).`));
      }
      req.log.error(err);
      return sendFault(reply, version, new IisFault('UnknownFault', 'Internal error; nothing was stored. Please resend later.', true));
    });

    scope.get('/soap', async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      if (!Object.keys(q).some((k) => k.toLowerCase() === 'wsdl')) {
        return reply.type('text/plain; charset=utf-8').send('CDC IIS SOAP web service (urn:cdc:iisb:2011). The WSDL is at ?wsdl; POST SOAP 1.2 envelopes here.');
      }
      return reply.type('text/xml; charset=utf-8').send(iisWsdl(`${req.protocol}://${req.host}/soap`));
    });

    scope.post('/soap', { bodyLimit: envelopeLimit }, async (req, reply) => {
      let version = versionOf(req);
      try {
        const body = req.body as Buffer | undefined;
        if (!body?.length) throw new IisFault('UnknownFault', 'The request body is empty: send a SOAP envelope.');
        const call = parseSoapCall(body.toString('utf8'));
        version = call.version;
        const response = await dispatch(t, call);
        return reply.code(200).type(soapContentType(version)).send(envelope(version, response));
      } catch (e) {
        if (e instanceof IisFault) return sendFault(reply, version, e);
        req.log.error(e);
        return sendFault(reply, version, new IisFault('UnknownFault', 'Internal error; nothing was stored. Please resend later.', true));
      }
    });
  });
}

async function dispatch(t: TransportContext, call: SoapCall): Promise<string> {
  if (call.operation === 'connectivityTest') {
    return `<connectivityTestResponse xmlns="${IIS_NAMESPACE}"><return>${xmlText(call.args.echoBack ?? '')}</return></connectivityTestResponse>`;
  }
  if (call.operation === 'submitSingleMessage') {
    const { username, password, facilityID, hl7Message } = call.args;
    const sender = await authenticateSender(t.pool, username, password);
    if (!sender) throw new IisFault('SecurityFault', 'Unknown username or wrong password.');
    // A sender submits only for the facility it authenticates as (facilityID may be left out).
    if (facilityID && facilityID.trim().toLowerCase() !== (sender.facilityCode ?? '').toLowerCase()) {
      throw new IisFault('SecurityFault', `These credentials may not submit for facility "${facilityID.trim()}".`);
    }
    const message = hl7Message ?? '';
    const bytes = Buffer.byteLength(message, 'utf8');
    if (bytes > t.config.maxMessageBytes) throw new IisFault('MessageTooLargeFault', tooLargeMessage(bytes, t.config.maxMessageBytes));
    if (!message.trim()) throw new IisFault('UnknownFault', 'hl7Message is empty: send one HL7 v2 message (ER7).');
    const answer = await submitHl7(t, message.trim(), sender, 'soap');
    return `<submitSingleMessageResponse xmlns="${IIS_NAMESPACE}"><return>${xmlText(answer.response)}</return></submitSingleMessageResponse>`;
  }
  throw new IisFault('UnsupportedOperationFault', `Operation "${call.operation}" is not supported: this service offers connectivityTest and submitSingleMessage.`);
}
