// Readers for the shared sample message files (used by tests and the benchmark).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { splitMessages } from './er7.ts';

/** izgateway-v2tofhir messages.txt: '#' comments, blank lines between messages, a trailing '\' continues a
 * line on the next one (leading whitespace dropped), and lines starting with tab+'@' are assertions, not HL7. */
export function readIzGatewayMessages(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const logical: string[] = [];
  let acc: string | undefined;
  for (const line of lines) {
    const piece = acc === undefined ? line : line.replace(/^\s+/, '');
    const cont = piece.endsWith('\\') && !piece.endsWith('\\\\');
    const text = (acc ?? '') + (cont ? piece.slice(0, -1) : piece);
    if (cont) {
      acc = text;
      continue;
    }
    acc = undefined;
    logical.push(text);
  }
  const messages: string[] = [];
  let cur: string[] = [];
  const flush = () => {
    if (cur.length) messages.push(cur.join('\r'));
    cur = [];
  };
  for (const l of logical) {
    if (l.startsWith('\t@') || l.startsWith('#')) continue;
    if (l.trim() === '') {
      flush();
      continue;
    }
    if (l.startsWith('MSH')) flush();
    cur.push(l);
  }
  flush();
  return messages;
}

/** All messages of every *.hl7 file in a directory (one MSH per message). */
export function readHl7Dir(dir: string): { file: string; index: number; text: string }[] {
  const out: { file: string; index: number; text: string }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.hl7')).sort()) {
    splitMessages(readFileSync(join(dir, f), 'utf8')).forEach((text, index) => out.push({ file: f, index, text }));
  }
  return out;
}

/** A typical IG 1.5 VXU: administered dose with VIS and funding, historical dose, refusal, immunity, delete. */
export const TYPICAL_VXU = [
  'MSH|^~\\&|MYEHR|CLINIC^1.2.3^ISO|IIS|STATE|20261120103000-0500||VXU^V04^VXU_V04|CTL-100|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS|CLINIC',
  'PID|1||MRN-7^^^MYEHR^MR||Doe^Jane^Quinn^^^^L||20250115|F||2106-3^White^CDCREC|12 Main St^^Lansing^MI^48901^USA^L^^26065||^PRN^PH^^^517^5551234|||||||||2186-5^Not Hispanic^CDCREC||N|1',
  'PD1|||||||||||02^Reminder/recall - any method^HL70215|N|20250115|||A|20250115',
  'NK1|1|Doe^Mary|MTH^Mother^HL70063|12 Main St^^Lansing^MI^48901|^PRN^PH^^^517^5551234',
  'ORC|RE||DOSE-1^MYEHR|||||||^Entered^Ella|||||||||||CLINIC',
  'RXA|0|1|20261101||20^DTaP^CVX|0.5|mL^^UCUM||00^New record^NIP001|1234^Shot^Sam|^^^CLINIC||||LOT123|20271231|SKB^GSK^MVX|||CP|A',
  'RXR|C28161^IM^NCIT|LT^Left Thigh^HL70163',
  'OBX|1|CE|64994-7^Eligibility^LN|1|V02^Medicaid^HL70064||||||F|||20261101|||VXC40^per visit^CDCPHINVS',
  'OBX|2|CE|30956-7^Vaccine type^LN|2|107^DTaP^CVX||||||F',
  'OBX|3|TS|29768-9^VIS published^LN|2|20210806||||||F',
  'OBX|4|TS|29769-7^VIS presented^LN|2|20261101||||||F',
  'ORC|RE||DOSE-2^MYEHR',
  'RXA|0|1|20250315||08^HepB^CVX|999|||01^Historical^NIP001|||||||||||CP|A',
  'ORC|RE||DOSE-3^MYEHR',
  'RXA|0|1|20261101||03^MMR^CVX|999||||||||||||00^Parental decision^NIP002||RE|A',
  'ORC|RE||DOSE-4^MYEHR',
  'RXA|0|1|20261101||998^No vaccine administered^CVX|999||||||||||||||NA|A',
  'OBX|1|CE|59784-9^Disease with presumed immunity^LN|1|38907003^Varicella infection^SCT||||||F|||20260101',
  'ORC|RE||DOSE-5^MYEHR',
  'RXA|0|1|20260601||21^Varicella^CVX|999|||01^Historical^NIP001|||||||||||CP|D',
].join('\r');
