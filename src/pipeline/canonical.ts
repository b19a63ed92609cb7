// The canonical submission: what every inbound channel (VXU over SOAP/MLLP/HTTP, FHIR, web form, CSV,
// roster) is translated into before data quality, matching, de-duplication and storage. Plain values only.

/** ISO calendar date, 'YYYY-MM-DD'. */
export type IsoDate = string;

export type Severity = 'E' | 'W' | 'I';

/** What a finding concerns: an error rejects that item only (the message, the patient, one vaccination...). */
export type FindingScope =
  | { kind: 'message' }
  | { kind: 'patient' }
  | { kind: 'vaccination'; index: number }
  | { kind: 'observation'; index: number };

export interface Finding {
  /** Stable detection code, e.g. 'patient.birthDate.inFuture' (MQE-style, see src/quality). */
  code: string;
  severity: Severity;
  /** HL7 ERR-2 location: segment, sequence (1-based), field, repetition, component, e.g. 'PID^1^7'. */
  location?: string;
  /** HL7 table 0357 (ERR-3): 0, 100, 101, 102, 103, 200-207. */
  hl7ErrorCode: string;
  /** CDC table 0533 (ERR-5): 1 illogical date, 2 invalid date, 3 illogical value, 4 invalid value, 5 table value not found, 6 required observation missing. */
  applicationErrorCode?: string;
  /** A sentence a person understands. */
  message: string;
  scope: FindingScope;
}

export interface Identifier {
  value: string;
  /** Assigning authority (CX-4), e.g. 'MYEHR', 'MAA'. */
  authority?: string;
  /** Identifier type (CX-5): MR, SS, MA, PI, SR ... */
  type?: string;
}

export interface PersonName {
  family?: string;
  given?: string;
  middle?: string;
  suffix?: string;
  /** XPN-7: L legal, A alias, M maiden, ... */
  type?: string;
}

export interface Address {
  street?: string;
  other?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  county?: string;
  type?: string;
}

export interface Guardian {
  name?: PersonName;
  relationship?: string;   // NK1-3 code, e.g. MTH, FTH, GRD
  address?: Address;
  phone?: string;
}

/** One demographic record as a sender reported it (kept verbatim as a source record). */
export interface PatientRecord {
  identifiers: Identifier[];
  name: PersonName;
  aliases: PersonName[];
  motherMaidenName?: string;
  birthDate?: IsoDate;
  sex?: string;              // F, M, U, X ... as sent
  race?: string[];
  ethnicity?: string;
  address?: Address;
  phone?: string;
  email?: string;
  multipleBirth?: string;    // PID-24 Y/N
  birthOrder?: number;       // PID-25
  deathDate?: IsoDate;       // PID-29
  deathIndicator?: string;   // PID-30
  guardians: Guardian[];
  /** PD1-16 registry status, PD1-12 protection, PD1-11 publicity ... */
  registryStatus?: string;
  protectionIndicator?: string;
  publicityCode?: string;
  /** PD1-13, PD1-17, PD1-18 effective dates. */
  protectionIndicatorDate?: IsoDate;
  registryStatusDate?: IsoDate;
  publicityCodeDate?: IsoDate;
}

export interface Clinician {
  id?: string;
  family?: string;
  given?: string;
}

export interface VaccinationRecord {
  /** ORC-3 filler order number: the sender's own id for this dose (for updates and deletes). */
  senderId?: string;
  administeredDate?: IsoDate;      // RXA-3
  cvx?: string;                    // RXA-5 when CVX
  ndc?: string;                    // RXA-5 when NDC
  vaccineText?: string;
  mvx?: string;                    // RXA-17
  lotNumber?: string;              // RXA-15
  expirationDate?: IsoDate;        // RXA-16
  amount?: number;                 // RXA-6 (999 = unknown)
  amountUnit?: string;             // RXA-7
  route?: string;                  // RXR-1
  site?: string;                   // RXR-2
  /** RXA-9: '00' new administered, '01'..'08' historical sources. */
  informationSource?: string;
  historical: boolean;
  administeringFacility?: string;  // RXA-11.4
  orderingClinician?: Clinician;   // ORC-12
  administeringClinician?: Clinician; // RXA-10
  enteredBy?: Clinician;           // ORC-10
  completionStatus?: string;       // RXA-20: CP, RE, NA, PA
  refusalReason?: string;          // RXA-18
  actionCode?: string;             // RXA-21: A, U, D
  fundingEligibility?: string;     // OBX 64994-7 (V01..V07)
  fundingSource?: string;          // OBX 30963-3
  vis: { document?: string; cvx?: string; published?: IsoDate; presented?: IsoDate }[];
  /** Observations that belong to this dose (OBX grouped by OBX-4 under its RXA). */
  observations: ObservationRecord[];
}

export interface ObservationRecord {
  /** immunity (evidence or history of disease), contraindication, indication (risk condition), funding, vis, other */
  kind: 'immunity' | 'contraindication' | 'indication' | 'funding' | 'vis' | 'other';
  /** OBX-3 identifier (LOINC), e.g. '59784-9' disease with presumed immunity. */
  identifier: string;
  /** Coding system of the value (OBX-5.3), e.g. SCT. */
  codeSystem?: string;
  /** OBX-5 value code, e.g. SNOMED '38907003'. */
  code?: string;
  text?: string;
  /** The CDSi coded observation (3-digit) this maps to, when known. */
  cdsiCode?: string;
  date?: IsoDate;                 // OBX-14
}

export interface CanonicalSubmission {
  channel: 'soap' | 'http' | 'mllp' | 'file' | 'fhir' | 'web' | 'csv';
  messageType: string;            // 'VXU^V04^VXU_V04'
  profile?: string;               // MSH-21, e.g. 'Z22'
  controlId?: string;             // MSH-10
  sendingApplication?: string;    // MSH-3
  sendingFacility?: string;       // MSH-4
  messageDateTime?: string;       // MSH-7
  patient: PatientRecord;
  vaccinations: VaccinationRecord[];
  /** Patient-level observations not tied to one dose. */
  observations: ObservationRecord[];
}

/** The matcher's answer for one incoming patient record (see src/matching). */
export interface MatchDecision {
  outcome: 'match' | 'possible' | 'new';
  /** The existing patient for 'match'; the best candidate for 'possible'. */
  patientId?: number;
  candidates: { patientId: number; score: number }[];
  reasons: string[];
}
