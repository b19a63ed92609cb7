// CVX -> vaccine group, read at run time from CDC's CDSi supporting data (config.cdsiDir,
// ScheduleSupportingData.xml): cvxToAntigenMap gives the antigens of each CVX, vaccineGroupToAntigenMap
// the vaccine group of each antigen. Chosen over the AIRA code base because CDSi is what forecasting uses,
// so "same vaccine group" means the same thing for de-duplication and evaluation.
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { VaccineGroupMap } from './dedup.ts';

const cache = new Map<string, VaccineGroupMap>();

export function loadVaccineGroupMap(cdsiDir: string): VaccineGroupMap {
  const hit = cache.get(cdsiDir);
  if (hit) return hit;
  const file = path.join(cdsiDir, 'ScheduleSupportingData.xml');
  if (!fs.existsSync(file)) throw new Error(`CDSi supporting data not found: ${file} (set IIS_CDSI_DIR)`);
  const xml = new XMLParser({ isArray: (name) => ['cvxMap', 'association', 'vaccineGroupMap', 'antigen'].includes(name) }).parse(fs.readFileSync(file, 'utf8'));
  const root = xml.scheduleSupportingData ?? xml;
  const antigenToGroup = new Map<string, string>();
  for (const g of root.vaccineGroupToAntigenMap?.vaccineGroupMap ?? []) {
    for (const a of g.antigen ?? []) antigenToGroup.set(String(a), String(g.name));
  }
  const byCvx = new Map<string, { groups: string[]; unspecified: boolean }>();
  for (const m of root.cvxToAntigenMap?.cvxMap ?? []) {
    const cvx = String(m.cvx).padStart(2, '0');
    const groups = new Set<string>();
    for (const a of m.association ?? []) for (const an of a.antigen ?? []) groups.add(antigenToGroup.get(String(an)) ?? String(an));
    byCvx.set(cvx, { groups: [...groups], unspecified: /unspecified/i.test(String(m.shortDescription ?? '')) });
  }
  const norm = (c: string) => c.trim().replace(/^0+(?=\d\d)/, '').padStart(2, '0');
  const map: VaccineGroupMap = {
    groupsOf: (c) => byCvx.get(norm(c))?.groups ?? [`CVX ${norm(c)}`],
    isUnspecified: (c) => byCvx.get(norm(c))?.unspecified ?? false,
  };
  cache.set(cdsiDir, map);
  return map;
}
