// `iis`: the operator's command line.
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../registry/runtime.ts';
import { buildApp } from '../server/app.ts';
import { registerHl7Commands } from './hl7-commands.ts';
import { registerAccessCommands } from './access-commands.ts';
import { startMllpServer } from '../transports/mllp.ts';

const program = new Command();
program.name('iis').description('Immunization information system: registry server and operator tools');

program
  .command('serve')
  .description('start the registry (HTTP, SOAP, MLLP) on the configured database')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase(config, { log: (s) => console.log(s), attach: false });
    const app = await buildApp({ pool: db.pool, config }, { logger: true });
    let address: string;
    let mllp: Awaited<ReturnType<typeof startMllpServer>>;
    try {
      address = await app.listen({ host: config.host, port: config.port });
      mllp = await startMllpServer({ pool: db.pool, config }, { port: config.mllpPort, host: config.host, log: (s) => console.error(s) });
    } catch (e) {
      // A port in use is an operator's setting, not a crash: say which one and how to change it.
      const err = e as NodeJS.ErrnoException & { port?: number };
      const which = err.port === config.mllpPort ? `MLLP port ${config.mllpPort} (MLLP_PORT)` : `HTTP port ${config.port} (PORT)`;
      console.error(err.code === 'EADDRINUSE' ? `iis serve: ${which} on ${config.host} is already in use; stop the other process or choose another port.`
        : err.code === 'EACCES' ? `iis serve: not allowed to listen on ${which}; choose a port above 1024.` : `iis serve: ${err.message}`);
      await app.close().catch(() => {});
      await db.close();
      process.exit(1);
    }
    console.log(`HTTP on ${address} (POST /hl7, SOAP at /soap, WSDL at /soap?wsdl); MLLP on ${mllp.host}:${mllp.port}`);
    const stop = async () => { await mllp.close(); await app.close(); await db.close(); process.exit(0); };
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

const schedule = program.command('schedule').description('CDSi supporting-data releases (the ACIP schedule) stored in the database');
schedule
  .command('import <dir>')
  .description('validate and store a CDSi supporting-data directory (version from a VERSION file or the directory name)')
  .option('--version <v>', 'store under this version instead')
  .action(async (dir: string, o: { version?: string }) => {
    const { importScheduleRelease } = await import('../cdsi/store.ts');
    const db = await openDatabase(loadConfig());
    let failed = false;
    try {
      const r = await importScheduleRelease(db.pool, dir, { version: o.version, importedBy: 'iis schedule import' });
      console.log(`${r.created ? 'imported' : 'already stored'}: CDSi schedule ${r.version} (${r.files} files, ${r.antigens} antigens, ${r.vaccineGroups} vaccine groups)`);
    } catch (e) {
      console.error(`iis schedule import: ${(e as Error).message}`);
      failed = true;
    } finally {
      await db.close();
    }
    // explicit: the embedded PostgreSQL's exit hook would otherwise end the process with status 0
    if (failed) process.exit(1);
  });
schedule
  .command('list')
  .description('list the stored releases, newest first (the first is the one in use)')
  .action(async () => {
    const { listScheduleReleases } = await import('../cdsi/store.ts');
    const db = await openDatabase(loadConfig());
    try {
      const rows = await listScheduleReleases(db.pool);
      if (!rows.length) console.log('no CDSi schedule stored (the server imports IIS_CDSI_DIR at first use)');
      rows.forEach((r, i) => console.log(`${r.version}\t${r.importedAt}\t${r.fileCount} files\t${r.sourceDir}${i === 0 ? '\t(in use)' : ''}`));
    } finally {
      await db.close();
    }
  });

registerHl7Commands(program);
registerAccessCommands(program);

await program.parseAsync(process.argv);
