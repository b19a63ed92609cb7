// MLLP (Minimal Lower Layer Protocol) over TCP: each message framed as 0x0B <message> 0x1C 0x0D; several messages
// per connection, answered in order; a frame may arrive in pieces. A frame growing past config.maxMessageBytes is
// answered with an AR ACK and the connection is closed (the rest of it cannot be told from the next message).
//
// Authentication: MLLP has no credentials of its own. Each message carries the facility's sender credential in
// MSH-8 (Security) as "username:password"; it is checked with authenticateSender and removed from the message
// (replaced by the username) before anything is stored. A message without valid credentials, or whose MSH-4
// names another facility, is answered AR with an ERR whose ERR-5 is SECURITY. Run MLLP inside a VPN or behind a
// TLS terminator: the credential travels in the message.
import net from 'node:net';
import { decodeHl7 } from '../hl7v2/er7.ts';
import { authenticateSender } from '../registry/senders.ts';
import { refusalAnswer, submitHl7, type TransportContext } from './common.ts';

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** One framed message. */
export function mllpFrame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

/**
 * Incremental MLLP deframer: push() bytes as they arrive, get back the complete frames. Bytes outside a frame
 * (line noise, keep-alive newlines) are skipped. `overflow` becomes true when the open frame passes `maxBytes`.
 */
export class MllpDeframer {
  private chunks: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** Set when the open frame grew past maxBytes; the caller answers and closes. */
  overflow = false;
  constructor(private readonly maxBytes: number) {}

  /** Bytes of the open (incomplete) frame so far. */
  get pending(): Buffer { return Buffer.concat(this.chunks, this.size); }

  push(data: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (!this.inFrame) {
        const start = data.indexOf(VT, i);
        if (start < 0) break;
        this.inFrame = true;
        i = start + 1;
        continue;
      }
      const end = data.indexOf(FS, i);
      const stop = end < 0 ? data.length : end;
      if (stop > i) {
        this.chunks.push(data.subarray(i, stop));
        this.size += stop - i;
      }
      if (this.size > this.maxBytes) {
        this.overflow = true;
        return frames;
      }
      if (end < 0) break;
      // FS ends the frame; the CR after it is expected but tolerated when missing.
      frames.push(Buffer.concat(this.chunks, this.size));
      this.chunks = [];
      this.size = 0;
      this.inFrame = false;
      i = end + 1;
      if (data[i] === CR) i++;
    }
    return frames;
  }
}

/** MSH-8 of a message, and the message with MSH-8 replaced (so the password is never stored). */
export function takeMshSecurity(text: string, replacement: (security: string) => string): { security: string; text: string } {
  const start = text.indexOf('MSH');
  if (start < 0) return { security: '', text };
  const sep = text[start + 3];
  if (!sep) return { security: '', text };
  const lineEnd = text.slice(start).search(/[\r\n]/);
  const lineStop = lineEnd < 0 ? text.length : start + lineEnd;
  const fields = text.slice(start, lineStop).split(sep);
  // fields[0] = 'MSH', fields[1] = encoding characters (MSH-2), so MSH-n is fields[n-1].
  if (fields.length < 8) return { security: '', text };
  const security = fields[7] ?? '';
  fields[7] = replacement(security);
  return { security, text: text.slice(0, start) + fields.join(sep) + text.slice(lineStop) };
}

function splitCredential(security: string): { username?: string; password?: string } {
  const colon = security.indexOf(':');
  if (colon < 0) return {};
  return { username: security.slice(0, colon), password: security.slice(colon + 1) };
}

export interface MllpServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Starts the MLLP listener (port 0 = any free port). */
export async function startMllpServer(t: TransportContext, o: { port: number; host?: string; idleTimeoutMs?: number; log?: (s: string) => void }): Promise<MllpServer> {
  const log = o.log ?? (() => {});
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setTimeout(o.idleTimeoutMs ?? 5 * 60_000, () => socket.end());
    socket.on('error', (e) => log(`MLLP connection error from ${socket.remoteAddress}: ${e.message}`));
    const deframer = new MllpDeframer(t.config.maxMessageBytes);
    // Messages of one connection are processed one after the other, so answers come back in order.
    let queue: Promise<void> = Promise.resolve();
    let closing = false;
    socket.on('data', (data: Buffer) => {
      if (closing) return;
      const frames = deframer.push(data);
      for (const frame of frames) queue = queue.then(() => answer(frame)).catch((e) => log(`MLLP: ${(e as Error).message}`));
      if (deframer.overflow) {
        closing = true;
        const head = decodeHl7(deframer.pending.subarray(0, 4096));
        const reply = refusalAnswer(takeMshSecurity(head, () => '').text, 'too-large',
          `The message is larger than this registry accepts (at most ${t.config.maxMessageBytes} bytes). Nothing was stored and the connection is closed: split the message or send fewer patients per message.`);
        queue = queue.then(() => new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.end(mllpFrame(reply), () => resolve());
        }));
        socket.pause();
      }
    });
    const answer = async (frame: Buffer) => {
      const raw = decodeHl7(frame);
      const { security, text } = takeMshSecurity(raw, (s) => splitCredential(s).username ?? '');
      const cred = splitCredential(security);
      const sender = await authenticateSender(t.pool, cred.username, cred.password);
      const response = sender
        ? (await submitHl7(t, text, sender, 'mllp')).response
        : refusalAnswer(text, 'security', security
          ? 'Security: unknown sender or wrong password in MSH-8; nothing was stored.'
          : 'Security: MLLP messages carry the facility\'s sender credential in MSH-8 as "username:password"; nothing was stored.');
      if (!socket.destroyed) socket.write(mllpFrame(response));
    };
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    host: addr.address,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
