// Operator commands of access: the first registry administrator (nobody can approve anything before one
// exists) and unlocking an account. Password links are printed to the operator's terminal, never logged.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../registry/runtime.ts';
import { randomToken, sha256Hex } from '../access/guard.ts';
import { INVITE_LINK_MS } from '../access/auth.ts';
import { USERNAME } from '../access/admin.ts';

export function registerAccessCommands(program: Command): void {
  const user = program.command('user').description('registry users (browser sign-in)');
  user
    .command('create-admin')
    .description('create a registry administrator (and the registry organization if there is none); prints a password-set link')
    .requiredOption('--username <name>', 'user name')
    .requiredOption('--email <address>', 'e-mail address')
    .option('--name <display name>', 'display name')
    .action(async (o: { username: string; email: string; name?: string }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      let failed = false;
      try {
        if (!USERNAME.test(o.username)) throw new Error('user name: 3-64 letters, digits, dots, dashes, underscores or @');
        let org = (await db.pool.query(`SELECT id FROM organization WHERE kind = 'registry' ORDER BY id LIMIT 1`)).rows[0]?.id;
        if (!org) org = (await db.pool.query(`INSERT INTO organization (kind, name) VALUES ('registry', 'Registry') RETURNING id`)).rows[0].id;
        const u = await db.pool.query(`INSERT INTO app_user (username, email, display_name, organization_id) VALUES ($1, $2, $3, $4) RETURNING id`,
          [o.username, o.email, o.name ?? null, org]);
        const id = u.rows[0].id;
        await db.pool.query(`INSERT INTO user_role (user_id, organization_id, role) VALUES ($1, $2, 'registry_admin')`, [id, org]);
        const token = randomToken();
        const now = new Date();
        await db.pool.query(`INSERT INTO password_reset (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, 'invite', $3, $4)`,
          [sha256Hex(token), id, now, new Date(now.getTime() + INVITE_LINK_MS)]);
        const base = process.env.IIS_PUBLIC_BASE_URL ?? `http://${config.host}:${config.port}`;
        console.log(`created registry administrator ${o.username} (user ${id})`);
        console.log(`set the password within 72 hours at: ${base.replace(/\/$/, '')}/reset-password#token=${token}`);
        console.log('then sign in: a TOTP authenticator is enrolled at the first sign-in');
      } catch (e) {
        console.error(`iis user create-admin: ${(e as Error).message}`);
        failed = true;
      } finally {
        await db.close();
      }
      if (failed) process.exit(1);
    });
  user
    .command('unlock <username>')
    .description('clear failed sign-ins and a lockout')
    .action(async (username: string) => {
      const db = await openDatabase(loadConfig());
      try {
        const r = await db.pool.query('UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE lower(username) = lower($1)', [username]);
        console.log(r.rowCount ? `unlocked ${username}` : `no user ${username}`);
      } finally {
        await db.close();
      }
    });
}
