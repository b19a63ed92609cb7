// Reading the reference files (the only I/O in src/codes): AIRA Compiled.xml + CDSi ScheduleSupportingData.xml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CodeSets, parseAiraCodebase } from './codesets.ts';
import { addCdsiObservations, parseCdsiObservations } from './cdsi-observations.ts';

export const AIRA_CODEBASE_PATH = 'hl7/aira-codebase/Compiled.xml';
export const CDSI_SCHEDULE_PATH = 'cdsi/supporting-data-4.64/ScheduleSupportingData.xml';

/** All reference code sets (AIRA + CDSi observations) from the shared directory (e.g. '../shared'). */
export function readReferenceCodeSets(sharedDir: string): CodeSets {
  const codes = parseAiraCodebase(readFileSync(join(sharedDir, AIRA_CODEBASE_PATH), 'utf8'));
  return addCdsiObservations(codes, parseCdsiObservations(readFileSync(join(sharedDir, CDSI_SCHEDULE_PATH), 'utf8')));
}
