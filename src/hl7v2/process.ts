// One call for transports: VXU text in -> canonical submission, all findings (structure + quality), ACK code
// and ACK text out. Pure (no I/O, `now`/`today` given). Never throws.
import type { CanonicalSubmission, Finding, IsoDate } from '../pipeline/canonical.ts';
import type { CodeSets } from '../codes/codesets.ts';
import { checkSubmission } from '../quality/rules.ts';
import { Er7Message, Er7ParseError, parseEr7 } from './er7.ts';
import { type Channel, type VxuOptions, vxuToSubmission } from './vxu.ts';
import { type AckCode, buildAck, decideAckCode } from './ack.ts';
import { type QbpRequest, parseQbp } from './qbp.ts';
import { buildRspZ33 } from './rsp.ts';

export interface ProcessVxuOptions extends VxuOptions {
  channel: Channel;
  codes: CodeSets;
  today: IsoDate;
  now: Date;
  /** MSH-10 of the ACK. */
  ackControlId: string;
  receivingApplication?: string;
  receivingFacility?: string;
  /** Largest message accepted (characters); larger ones get AR. Default 1 MB. */
  maxLength?: number;
}

export interface ProcessVxuResult {
  request?: Er7Message;
  /** Absent when the message was rejected as a whole (AR). */
  submission?: CanonicalSubmission;
  findings: Finding[];
  ackCode: AckCode;
  ack: string;
}

export function processVxuText(text: string, o: ProcessVxuOptions): ProcessVxuResult {
  const ackOf = (request: Er7Message | undefined, findings: Finding[], ackCode: AckCode) =>
    buildAck({ request, ackCode, findings, controlId: o.ackControlId, now: o.now, receivingApplication: o.receivingApplication, receivingFacility: o.receivingFacility });
  const reject = (message: string, request?: Er7Message): ProcessVxuResult => {
    const findings: Finding[] = [{ code: 'message.unparseable', severity: 'E', hl7ErrorCode: '100', message, scope: { kind: 'message' } }];
    return { request, findings, ackCode: 'AR', ack: ackOf(request, findings, 'AR') };
  };
  try {
    if (typeof text !== 'string' || text.trim() === '') return reject('Empty message: expected an HL7 v2 VXU starting with MSH');
    if (text.length > (o.maxLength ?? 1_000_000)) return reject(`Message is ${text.length} characters long, more than the ${o.maxLength ?? 1_000_000} accepted`);
    let msg: Er7Message;
    try {
      msg = parseEr7(text);
    } catch (e) {
      if (e instanceof Er7ParseError) return reject(e.message);
      throw e;
    }
    const { submission, findings } = vxuToSubmission(msg, o.channel, o);
    const messageLevel = findings.some((f) => f.scope.kind === 'message' && f.severity === 'E');
    const all = messageLevel ? findings : [...findings, ...checkSubmission(submission, { today: o.today, codes: o.codes })];
    const ackCode = decideAckCode(all);
    // A dose reported by NDC alone carries the CVX (and MVX) it maps to, so evaluation and queries see the vaccine.
    for (const v of submission.vaccinations) {
      if (!v.ndc) continue;
      v.cvx ??= o.codes.ndcToCvx(v.ndc);
      v.mvx ??= o.codes.ndcToMvx(v.ndc);
    }
    return { request: msg, submission: ackCode === 'AR' ? undefined : submission, findings: all, ackCode, ack: ackOf(msg, all, ackCode) };
  } catch (e) {
    const findings: Finding[] = [{ code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: `Internal error: ${(e as Error).message}`, scope: { kind: 'message' } }];
    let ack: string;
    try {
      ack = ackOf(undefined, findings, 'AR');
    } catch {
      ack = 'MSH|^~\\&|IIS||||||ACK^V04^ACK|' + o.ackControlId + '|P|2.5.1\rMSA|AR|\r';
    }
    return { findings, ackCode: 'AR', ack };
  }
}

export interface ProcessQbpOptions {
  now: Date;
  /** MSH-10 of the response. */
  responseControlId: string;
  receivingApplication?: string;
  receivingFacility?: string;
}

export interface ProcessQbpResult {
  request?: Er7Message;
  /** The parsed query, when it can be answered. */
  query?: QbpRequest;
  findings: Finding[];
  /** A ready RSP (Z33 with QAK-2 AR/AE) when the query cannot be answered; undefined when `query` should be run. */
  rejection?: string;
}

/** QBP text in -> the query to run, or a ready rejection RSP. Never throws. */
export function processQbpText(text: string, o: ProcessQbpOptions): ProcessQbpResult {
  const opts = { now: o.now, controlId: o.responseControlId, receivingApplication: o.receivingApplication, receivingFacility: o.receivingFacility };
  let msg: Er7Message | undefined;
  try {
    msg = parseEr7(text);
  } catch (e) {
    const findings: Finding[] = [{ code: 'message.unparseable', severity: 'E', hl7ErrorCode: '100', message: e instanceof Er7ParseError ? e.message : 'Unreadable message', scope: { kind: 'message' } }];
    return { findings, rejection: buildRspZ33({ request: undefined, ...opts, findings }, 'AR') };
  }
  try {
    const query = parseQbp(msg);
    const findings = query.findings;
    if (findings.some((f) => f.scope.kind === 'message' && f.severity === 'E' && !f.code.startsWith('query.'))) {
      return { request: msg, findings, rejection: buildRspZ33({ request: msg, ...opts, findings }, 'AR') };
    }
    if (findings.some((f) => f.severity === 'E')) return { request: msg, findings, rejection: buildRspZ33({ request: msg, ...opts, findings }, 'AE') };
    return { request: msg, query, findings };
  } catch (e) {
    const findings: Finding[] = [{ code: 'message.processing.error', severity: 'E', hl7ErrorCode: '207', message: `Internal error: ${(e as Error).message}`, scope: { kind: 'message' } }];
    return { request: msg, findings, rejection: buildRspZ33({ request: msg, ...opts, findings }, 'AR') };
  }
}
