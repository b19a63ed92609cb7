// Writes src/schools/pack.schema.json (JSON Schema of the requirement pack format) from the zod schema.
import fs from 'node:fs';
import path from 'node:path';
import { packJsonSchema } from '../src/schools/pack.ts';

const out = path.resolve(import.meta.dirname, '../src/schools/pack.schema.json');
fs.writeFileSync(out, JSON.stringify(packJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), out)}`);
