// Mail to users (password links). Pluggable: development and tests use the outbox table, production supplies a
// Mailer that sends. Messages never go to the log: they hold links that let the recipient set a password.
import type { Queryable } from './guard.ts';

export interface MailMessage { to: string; subject: string; text: string }
export interface Mailer { send(m: MailMessage): Promise<void> }

export function outboxMailer(db: Queryable): Mailer {
  return {
    async send(m) {
      await db.query('INSERT INTO mail_outbox (to_address, subject, body) VALUES ($1, $2, $3)', [m.to, m.subject, m.text]);
    },
  };
}
