/**
 * The region a party is drawn in on the agreement network, so that a registry of 30+ parties
 * reads as groups. Our own grouping (UN M49 regions, with the organisations apart), by ISO
 * 3166-1 alpha-3 code; a party not listed goes to `Other`. Order: around the circle.
 */
export const REGIONS = [
  'East Asia',
  'Asia-Pacific',
  'Americas',
  'Europe',
  'Central Asia',
  'Middle East',
  'Organisations',
  'Other',
] as const
export type Region = (typeof REGIONS)[number]

const REGION_OF: Readonly<Record<string, Region>> = {
  KOR: 'East Asia',
  JPN: 'East Asia',
  CHN: 'East Asia',
  PRK: 'East Asia',
  TWN: 'East Asia',
  MNG: 'East Asia',
  AUS: 'Asia-Pacific',
  NZL: 'Asia-Pacific',
  IND: 'Asia-Pacific',
  IDN: 'Asia-Pacific',
  PHL: 'Asia-Pacific',
  MYS: 'Asia-Pacific',
  SGP: 'Asia-Pacific',
  THA: 'Asia-Pacific',
  VNM: 'Asia-Pacific',
  USA: 'Americas',
  CAN: 'Americas',
  MEX: 'Americas',
  BRA: 'Americas',
  CHL: 'Americas',
  COL: 'Americas',
  GBR: 'Europe',
  FRA: 'Europe',
  DEU: 'Europe',
  ITA: 'Europe',
  ESP: 'Europe',
  SWE: 'Europe',
  POL: 'Europe',
  BGR: 'Europe',
  GRC: 'Europe',
  ROU: 'Europe',
  HUN: 'Europe',
  UKR: 'Europe',
  RUS: 'Europe',
  NLD: 'Europe',
  BEL: 'Europe',
  NOR: 'Europe',
  FIN: 'Europe',
  DNK: 'Europe',
  CZE: 'Europe',
  PRT: 'Europe',
  TUR: 'Europe',
  EST: 'Europe',
  LTU: 'Europe',
  LVA: 'Europe',
  UZB: 'Central Asia',
  KAZ: 'Central Asia',
  JOR: 'Middle East',
  SAU: 'Middle East',
  ARE: 'Middle East',
  ISR: 'Middle East',
  QAT: 'Middle East',
  NATO: 'Organisations',
  EU: 'Organisations',
  UN: 'Organisations',
}

export function regionOf(party: string): Region {
  return REGION_OF[party] ?? 'Other'
}
