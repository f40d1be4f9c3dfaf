import type { ReportRow } from '../../src/node/store/store.ts'
import { ISSUED } from '../../src/node/store/store.ts'

/**
 * Korea's own report of the first launch of 31 October 2019 as its node holds it (site, impact,
 * range and apogee of the reference scenario); override what a test is about.
 */
export function koreanLaunchReport(over: Partial<ReportRow> = {}): ReportRow {
  return {
    id: '0e6c5f7a-3b1d-4c2e-9f8a-1b2c3d4e5f60',
    originator: 'KOR',
    level: 'MIL-II',
    localLevel: 'MIL-II',
    topic: 'dprk-missile',
    releasableTo: ['JPN', 'USA'],
    payload: {
      time: '2019-10-31T16:35:00+09:00',
      site: { lat: 39.41, lon: 125.89 },
      impact: { lat: 40.1, lon: 129.9 },
      rangeKm: 370,
      apogeeKm: 90,
      text: 'two SRBMs toward the Sea of Japan',
    },
    receivedFrom: null,
    agreement: null,
    path: ['KOR'],
    createdAtMs: Date.parse('2019-10-31T07:36:00Z'),
    originatorSignature: null,
    ...ISSUED,
    ...over,
  }
}
