import { ApiError } from '../../api.ts';
import { Link, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { hasRole, useSession } from '../../session.tsx';
import { Badge, ErrorLine, ageOn, fmtDate, patientName, todayIso, useGet, type PatientRecord } from '../../components/common.tsx';

interface GroupView { vaccineGroup: string; status: string; statusText: string; doseNumber?: number; earliestDate?: string; recommendedDate?: string; pastDueDate?: string; latestDate?: string; explanation: string }
interface EvalView { antigen: string; vaccineGroup: string; status: string; statusText: string; reasonText?: string; targetDose?: string }
interface ForecastView { scheduleVersion: string; assessmentDate: string; groups: GroupView[]; evaluations: Record<string, EvalView[]>; summary: Record<string, number> }

const SEX: Record<string, string> = { F: 'Female', M: 'Male', U: 'Unknown', X: 'Other' };
const CHANNEL: Record<string, string> = { web: 'entered on the web', soap: 'HL7 (SOAP)', http: 'HL7 (HTTP)', mllp: 'HL7 (MLLP)', file: 'HL7 file', fhir: 'FHIR', csv: 'file upload' };
const KIND: Record<string, string> = { contraindication: 'Contraindication', immunity: 'Immunity / disease history', condition: 'Condition', indication: 'Indication', other: 'Other' };
const SAVED: Record<string, string> = { dose: 'The dose was saved.', refusal: 'The refusal was saved.', observation: 'Saved.' };

function whenText(g: GroupView): string {
  switch (g.status) {
    case 'overdue': return `Dose ${g.doseNumber ?? ''} was due by ${fmtDate(g.pastDueDate ?? g.recommendedDate)}: give it as soon as possible.`;
    case 'due': return `Dose ${g.doseNumber ?? ''} is due now (recommended from ${fmtDate(g.recommendedDate)}).`;
    case 'upcoming': return `Dose ${g.doseNumber ?? ''} is recommended on ${fmtDate(g.recommendedDate)} (not before ${fmtDate(g.earliestDate)}).`;
    case 'complete': return 'Series complete: no more doses needed.';
    case 'immune': return 'Immune: no doses needed.';
    case 'contraindicated': return 'Do not give: contraindicated for this patient.';
    default: return g.explanation || g.statusText;
  }
}

function Forecast({ f, birthDate }: { f: { data?: ForecastView; error?: unknown; loading: boolean }; birthDate: string | null }) {
  if (f.loading) return <p role="status">Working out the forecast…</p>;
  if (f.error instanceof ApiError && (f.error.status === 503 || f.error.status === 422)) {
    return <p className="alert alert-info">The forecast is not available: {f.error.message}</p>;
  }
  if (f.error || !f.data) return <ErrorLine error={f.error} />;
  const s = f.data.summary;
  // Groups that do not apply to this patient (travel vaccines, aged out) are listed apart, folded.
  const quiet = new Set(['not_recommended', 'aged_out']);
  const main = f.data.groups.filter((g) => !quiet.has(g.status));
  const other = f.data.groups.filter((g) => quiet.has(g.status));
  return (
    <>
      <div className="summary-line" aria-label="Summary">
        <Badge status="overdue" text={`Overdue: ${s.overdue ?? 0}`} />
        <Badge status="due" text={`Due now: ${s.due ?? 0}`} />
        <Badge status="upcoming" text={`Upcoming: ${s.upcoming ?? 0}`} />
        <Badge status="complete" text={`Complete: ${(s.complete ?? 0) + (s.immune ?? 0)}`} />
      </div>
      <table data-testid="forecast-table">
        <caption>Forecast on {fmtDate(f.data.assessmentDate)} (age {ageOn(birthDate, f.data.assessmentDate)}), CDC schedule {f.data.scheduleVersion}</caption>
        <thead><tr><th scope="col">Vaccine group</th><th scope="col">Status</th><th scope="col">What to do</th></tr></thead>
        <tbody>
          {main.map((g) => (
            <tr key={g.vaccineGroup} data-group={g.vaccineGroup}>
              <th scope="row">{g.vaccineGroup}</th>
              <td><Badge status={g.status} text={g.statusText} /></td>
              <td>{whenText(g)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {other.length > 0 && (
        <details className="no-print">
          <summary>Not recommended for this patient ({other.length}): {other.map((g) => g.vaccineGroup).join(', ')}</summary>
          <ul>{other.map((g) => <li key={g.vaccineGroup}>{g.vaccineGroup}: {g.status === 'aged_out' ? 'past the age for this vaccine' : 'not routinely recommended (travel, risk or age)'}</li>)}</ul>
        </details>
      )}
    </>
  );
}

function Doses({ rec, evaluations }: { rec: PatientRecord; evaluations?: Record<string, EvalView[]> }) {
  if (!rec.doses.length) return <p>No doses on record.</p>;
  return (
    <table data-testid="dose-table">
      <thead><tr><th scope="col">Date</th><th scope="col">Age</th><th scope="col">Vaccine</th><th scope="col">Evaluation</th><th scope="col">Source</th></tr></thead>
      <tbody>
        {rec.doses.map((d) => {
          const ev = evaluations?.[String(d.id)] ?? [];
          return (
            <tr key={d.id}>
              <td>{fmtDate(d.date)}</td>
              <td>{ageOn(rec.demographics.birthDate, d.date)}</td>
              <td>{d.vaccine ?? 'Unknown vaccine'}{d.cvx && <span className="hint"> (CVX {d.cvx})</span>}{d.enteredAs && <div className="hint">Entered as {d.enteredAs}</div>}{d.lot && <div className="hint">Lot {d.lot}</div>}</td>
              <td>
                {d.consolidatedInto ? <Badge status="none" text="Duplicate of another record" /> :
                  ev.length ? ev.map((e, i) => (
                    <div key={i}><Badge status={e.status === 'valid' ? 'valid' : 'invalid'} text={e.statusText} /> {e.antigen}{e.targetDose ? `, ${/^dose/i.test(e.targetDose) ? e.targetDose.toLowerCase() : `dose ${e.targetDose}`}` : ''}{e.reasonText ? ` — ${e.reasonText}` : ''}</div>
                  )) : <span className="muted">Not evaluated</span>}
              </td>
              <td>{d.historical ? 'Historical record' : 'Administered'}{d.organization ? `, ${d.organization}` : ''}{d.channel ? ` (${CHANNEL[d.channel] ?? d.channel})` : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PatientRecordPage({ params }: { params: Record<string, string> }) {
  const { session } = useSession();
  const { search } = useLocation();
  const r = useGet<PatientRecord>(`/api/v1/patients/${params.id}`);
  const f = useGet<ForecastView>(`/api/v1/patients/${params.id}/forecast`);
  if (r.loading) return <p role="status">Loading the record…</p>;
  if (r.error || !r.data) return <><h1>Patient record</h1><ErrorLine error={r.error} /></>;
  const rec = r.data;
  const d = rec.demographics;
  const canWrite = hasRole(session, 'provider', 'registry_admin', 'school');
  const saved = search.get('saved');
  return (
    <article>
      <p className="print-only">Immunization record printed {fmtDate(todayIso())} from the Immunization Registry.</p>
      <div className="record-head">
        <div>
          <h1 data-testid="patient-name">{patientName(d)}</h1>
          <dl className="facts">
            <dt>Birth date</dt><dd>{fmtDate(d.birthDate)} (age {ageOn(d.birthDate, todayIso())})</dd>
            <dt>Sex</dt><dd>{d.sex ? SEX[d.sex] ?? d.sex : '—'}</dd>
            {d.motherMaidenName && <><dt>Mother's maiden name</dt><dd>{d.motherMaidenName}</dd></>}
            {rec.identifiers.length > 0 && <><dt>Identifiers</dt><dd>{rec.identifiers.map((i) => `${i.value}${i.authority ? ` (${i.authority})` : ''}`).join(', ')}</dd></>}
            {d.status !== 'active' && <><dt>Record status</dt><dd>{d.status}</dd></>}
            {rec.id !== rec.requestedId && <><dt>Note</dt><dd>Record {rec.requestedId} was merged into this one.</dd></>}
          </dl>
        </div>
        <div className="actions no-print">
          {canWrite && <Link to={`/patients/${rec.id}/doses/new`} className="button-link">Add a dose</Link>}
          {canWrite && <Link to={`/patients/${rec.id}/observations/new`} className="button-link">Record refusal, contraindication, immunity…</Link>}
          <button type="button" onClick={() => window.print()}>Print</button>
        </div>
      </div>
      {saved && <p className="alert alert-ok no-print" role="status">{SAVED[saved] ?? 'Saved.'}</p>}

      <h2>Forecast: what is due</h2>
      <Forecast f={f} birthDate={d.birthDate} />

      <h2>Doses</h2>
      <Doses rec={rec} evaluations={f.data?.evaluations} />

      <h2>Refusals</h2>
      {rec.refusals.length ? (
        <table>
          <thead><tr><th scope="col">Date</th><th scope="col">Vaccine</th><th scope="col">Reason</th><th scope="col">Recorded by</th></tr></thead>
          <tbody>{rec.refusals.map((x) => <tr key={x.id}><td>{fmtDate(x.date)}</td><td>{x.vaccine ?? (x.cvx ? `CVX ${x.cvx}` : '—')}</td><td>{x.reason ?? '—'}</td><td>{x.organization ?? '—'}{x.channel ? ` (${CHANNEL[x.channel] ?? x.channel})` : ''}</td></tr>)}</tbody>
        </table>
      ) : <p>No refusals on record.</p>}

      <h2>Contraindications, immunity and conditions</h2>
      {rec.observations.length ? (
        <table data-testid="observation-table">
          <thead><tr><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Date</th><th scope="col">Recorded by</th></tr></thead>
          <tbody>{rec.observations.map((o) => (
            <tr key={o.id}>
              <td><Badge status={o.kind === 'contraindication' ? 'contraindicated' : o.kind === 'immunity' ? 'immune' : 'none'} text={KIND[o.kind] ?? o.kind} /></td>
              <td>{o.label ?? o.code}{o.cdsiCode && <span className="hint"> (CDSi {o.cdsiCode})</span>}</td>
              <td>{fmtDate(o.date)}</td>
              <td>{o.organization ?? '—'}{o.channel ? ` (${CHANNEL[o.channel] ?? o.channel})` : ''}</td>
            </tr>))}
          </tbody>
        </table>
      ) : <p>None recorded.</p>}

      <details className="no-print">
        <summary>Source records ({rec.sourceRecords.length})</summary>
        <table>
          <thead><tr><th scope="col">Received</th><th scope="col">From</th><th scope="col">Name as sent</th><th scope="col">Birth date as sent</th></tr></thead>
          <tbody>{rec.sourceRecords.map((s) => <tr key={s.id}><td>{fmtDate(s.receivedAt)}</td><td>{s.organization ?? '—'}{s.channel ? ` (${CHANNEL[s.channel] ?? s.channel})` : ''}</td><td>{s.name || '—'}</td><td>{fmtDate(s.birthDate)}</td></tr>)}</tbody>
        </table>
      </details>
    </article>
  );
}

export const routes: PageRoute[] = [{
  path: '/patients/:id', title: 'Patient record', component: PatientRecordPage,
  roles: ['provider', 'school', 'registry_admin', 'read_only', 'analyst'],
}];
