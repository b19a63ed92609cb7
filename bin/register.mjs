// `node --import ./bin/register.mjs x.ts`: Node runs TypeScript sources (bin/ts-hooks.mjs); error stacks point into them.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
