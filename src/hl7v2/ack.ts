// ACK^V04^ACK (IG 1.5 Z23) building.
import type { Finding } from '../pipeline/canonical.ts';
import { buildEr7, type Er7Field, type Er7Message, type Er7SegmentSpec, hl7Timestamp } from './er7.ts';
import { isRejectedMessage } from './vxu.ts';

export type AckCode = 'AA' | 'AE' | 'AR';

/** HL7 table 0357 texts. */
export const HL7_0357: Record<string, string> = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

/** CDC table 0533 (application error codes). */
export const CDC_0533: Record<string, string> = {
  '1': 'Illogical Date error',
  '2': 'Invalid Date',
  '3': 'Illogical Value error',
  '4': 'Invalid value',
  '5': 'Table value not found',
  '6': 'Required observation missing',
};

const SEVERITY_TEXT: Record<string, string> = { E: 'Error', W: 'Warning', I: 'Information' };

/** AR for message-level rejections (unsupported type/event/processing id/version, unparseable); AE when any error; else AA. */
export function decideAckCode(findings: Finding[], messageLevelProblem = false): AckCode {
  if (messageLevelProblem || isRejectedMessage(findings)) return 'AR';
  return findings.some((f) => f.severity === 'E') ? 'AE' : 'AA';
}

export interface AckOptions {
  request: Er7Message | undefined;
  ackCode: AckCode;
  findings: Finding[];
  receivingApplication?: string;
  receivingFacility?: string;
  /** MSH-10 of the ACK itself. */
  controlId: string;
  now: Date;
  /** Message type of the response, default ACK^V04^ACK. */
  messageType?: string[];
  /** Response profile (MSH-21), default Z23. */
  profile?: string;
}

/** ERR segments for findings (one per finding). Exported for RSP building. */
export function errSegments(findings: Finding[]): Er7SegmentSpec[] {
  return findings.map((f): Er7SegmentSpec => {
    const location: Er7Field = f.location ? f.location.split('^') : undefined;
    return [
      'ERR',
      undefined,
      location,
      [f.hl7ErrorCode, HL7_0357[f.hl7ErrorCode] ?? '', 'HL70357'],
      f.severity,
      f.applicationErrorCode ? [f.applicationErrorCode, CDC_0533[f.applicationErrorCode] ?? '', 'HL70533'] : undefined,
      undefined,
      undefined,
      f.message,
    ];
  });
}

/** The MSH of a response to `request`, swapping sender and receiver. */
export function responseMsh(request: Er7Message | undefined, o: { receivingApplication?: string; receivingFacility?: string; controlId: string; now: Date; messageType: string[]; profile: string }): Er7SegmentSpec {
  const msh = request?.segment('MSH');
  const g = (f: number, c = 1) => (msh && request ? request.get(msh, f, 1, c) : '');
  const hd = (f: number): Er7Field => (msh && request ? [g(f, 1), g(f, 2), g(f, 3)] : undefined);
  const processing = g(11);
  return [
    'MSH',
    o.receivingApplication ?? (g(5) ? hd(5) : 'IIS'),
    o.receivingFacility ?? (g(6) ? hd(6) : undefined),
    hd(3),
    hd(4),
    hl7Timestamp(o.now),
    undefined,
    o.messageType,
    o.controlId,
    ['P', 'T', 'D'].includes(processing) ? processing : 'P',
    '2.5.1',
    undefined,
    undefined,
    'NE',
    'NE',
    undefined,
    undefined,
    undefined,
    undefined,
    [o.profile, 'CDCPHINVS'],
  ];
}

/** Build an ACK. Never throws: a request that could not be parsed is acknowledged with an empty MSA-2. */
export function buildAck(opts: AckOptions): string {
  const req = opts.request;
  const msh = req?.segment('MSH');
  const requestControlId = msh && req ? req.get(msh, 10) : '';
  const segs: Er7SegmentSpec[] = [
    responseMsh(req, {
      receivingApplication: opts.receivingApplication,
      receivingFacility: opts.receivingFacility,
      controlId: opts.controlId,
      now: opts.now,
      messageType: opts.messageType ?? ['ACK', 'V04', 'ACK'],
      profile: opts.profile ?? 'Z23',
    }),
    ['MSA', opts.ackCode, requestControlId],
  ];
  segs.push(...errSegments(opts.findings));
  return buildEr7(segs);
}
