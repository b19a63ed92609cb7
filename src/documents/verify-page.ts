// The public verification page (HTML, no script): what the holder of a printed certificate sees.
import type { Verification } from './store.ts';
import { longDate } from './certificate.ts';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function verifyPageHtml(v: Verification, registryName: string): string {
  let body: string;
  if (v.status === 'valid') {
    const c = v.content;
    const rows = c.vaccines.flatMap((x) => x.doses.map((d, i) => `<tr><td>${i === 0 ? esc(x.vaccine) : ''}</td><td>${esc(longDate(d.date))}</td><td>${d.historical ? 'Historical' : 'Administered'}</td></tr>`)).join('');
    body = `<p class="ok">Genuine certificate issued by ${esc(c.registryName)} (report date ${esc(longDate(c.reportDate))}).</p>
<p>${esc([c.student.firstName, c.student.middleName, c.student.lastName].filter(Boolean).join(' '))}, born ${esc(longDate(c.student.dob))}</p>
<p>Compare with the paper: every date below must match.</p>
<table><thead><tr><th>Vaccine</th><th>Date given</th><th>Record</th></tr></thead><tbody>${rows}</tbody></table>
${c.immunity.length ? `<p>Evidence of immunity: ${c.immunity.map((i) => esc(`${i.vaccine}: ${i.evidence}`)).join('; ')}</p>` : ''}`;
  } else if (v.status === 'revoked') {
    body = `<p class="bad">This certificate (${esc(v.code)}) was withdrawn by the registry${v.reason ? `: ${esc(v.reason)}` : ''}. Ask for a current certificate.</p>`;
  } else if (v.status === 'altered') {
    body = `<p class="bad">The record for code ${esc(v.code)} does not verify. Do not accept this certificate; contact the registry.</p>`;
  } else {
    body = `<p class="bad">No certificate has the code ${esc(v.code ?? '(not a valid code)')}. Check the code as printed (16 letters and digits).</p>`;
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Certificate verification - ${esc(registryName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}.ok{color:#05620b;font-weight:600}.bad{color:#a00;font-weight:600}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body><h1>Certificate of Immunization verification</h1>${body}</body></html>`;
}
