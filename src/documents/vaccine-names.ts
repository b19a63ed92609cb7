// Display names of the vaccines schools see, by CVX (CDC CVX short descriptions, trimmed), for printed
// documents. Unknown codes print as "CVX <code>".
const NAMES: Record<string, string> = {
  '1': 'DTP', '2': 'OPV (polio, oral)', '3': 'MMR', '8': 'Hep B, pediatric/adolescent', '9': 'Td (adult)', '10': 'IPV (polio)',
  '17': 'Hib, unspecified', '20': 'DTaP', '21': 'Varicella', '28': 'DT (pediatric)', '42': 'Hep B, adolescent/high-risk infant',
  '43': 'Hep B, adult', '44': 'Hep B, dialysis', '45': 'Hep B, unspecified', '46': 'Hib (PRP-D)', '47': 'Hib (HbOC)', '48': 'Hib (PRP-T)',
  '49': 'Hib (PRP-OMP)', '50': 'DTaP-Hib', '51': 'Hib-Hep B', '83': 'Hep A, pediatric', '85': 'Hep A, unspecified', '89': 'Polio, unspecified',
  '94': 'MMRV', '104': 'Hep A-Hep B', '106': 'DTaP, 5 pertussis antigens', '107': 'DTaP, unspecified', '108': 'Meningococcal ACWY, unspecified',
  '110': 'DTaP-Hep B-IPV (Pediarix)', '113': 'Td (adult), preservative free', '114': 'MenACWY-D (Menactra)', '115': 'Tdap',
  '120': 'DTaP-Hib-IPV (Pentacel)', '130': 'DTaP-IPV (Kinrix, Quadracel)', '136': 'MenACWY-CRM (Menveo)', '138': 'Td, not adsorbed',
  '139': 'Td, unspecified', '146': 'DTaP-IPV-Hib-Hep B (Vaxelis)', '147': 'MenACWY, unspecified', '148': 'Hib-MenCY',
  '165': 'HPV9', '189': 'Hep B, adjuvanted (Heplisav-B)', '203': 'MenACWY-TT (MenQuadfi)', '220': 'Hep B, 3-antigen (PreHevbrio)',
  '316': 'MenABCWY (Penbraya)', '328': 'MenABCWY (Penmenvy)',
};

export function vaccineName(cvx: string): string {
  return NAMES[String(Number(cvx))] ?? `CVX ${cvx}`;
}
