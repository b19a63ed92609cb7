// `iis`: the operator's command line.
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../registry/runtime.ts';
import { buildApp } from '../server/app.ts';

const program = new Command();
program.name('iis').description('Immunization information system: registry server and operator tools');

program
  .command('serve')
  .description('start the registry (HTTP, SOAP, MLLP) on the configured database')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase(config, { log: (s) => console.log(s) });
    const app = await buildApp({ pool: db.pool, config }, { logger: true });
    await app.listen({ host: config.host, port: config.port });
    const stop = async () => { await app.close(); await db.close(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const db = await openDatabase(loadConfig(), { log: (s) => console.log(s) });
    console.log('database is up to date');
    await db.close();
  });

await program.parseAsync(process.argv);
