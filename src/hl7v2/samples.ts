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
