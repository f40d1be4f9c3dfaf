import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { regionOf } from '../../src/interop/region.ts'
import { REGION_OV } from '../helpers/stix-schemas.ts'

const cases = (rows: readonly (readonly [string, number, number, string])[]) => {
  for (const [place, lat, lon, region] of rows)
    assert.equal(regionOf({ lat, lon }), region, `${place} (${lat}, ${lon})`)
}

describe('regionOf: the STIX region-ov value (UN M49 sub-region) of a location', () => {
  it('a launch site on land is in the sub-region of its country', () => {
    cases([
      ['Sohae, DPRK', 39.66, 124.71, 'eastern-asia'],
      ['Kusong (Baegun), DPRK', 40.029678, 125.227326, 'eastern-asia'],
      ['Yonghung, DPRK', 39.538, 127.241, 'eastern-asia'],
      ['Seoul', 37.57, 126.98, 'eastern-asia'],
      ['Tokyo', 35.68, 139.69, 'eastern-asia'],
      ['Almaty', 43.2, 76.9, 'central-asia'],
      ['Tehran (M49: southern Asia)', 35.7, 51.4, 'southern-asia'],
      ['Riyadh', 24.7, 46.7, 'western-asia'],
      ['Jakarta', -6.2, 106.8, 'south-eastern-asia'],
      ['Moscow', 55.75, 37.6, 'eastern-europe'],
      ['Paris', 48.85, 2.35, 'western-europe'],
      ['Rome', 41.9, 12.5, 'southern-europe'],
      ['Stockholm', 59.33, 18.07, 'northern-europe'],
      ['New York', 40.7, -74, 'northern-america'],
      ['Mexico City', 19.4, -99.1, 'central-america'],
      ['Havana', 23.1, -82.4, 'caribbean'],
      ['São Paulo', -23.5, -46.6, 'south-america'],
      ['Cairo', 30.0, 31.2, 'northern-africa'],
      ['Lagos', 6.5, 3.4, 'western-africa'],
      ['Kinshasa', -4.3, 15.3, 'middle-africa'],
      ['Nairobi', -1.29, 36.82, 'eastern-africa'],
      ['Johannesburg', -26.2, 28.0, 'southern-africa'],
      ['Sydney', -33.87, 151.2, 'australia-new-zealand'],
      ['Port Moresby', -9.4, 147.2, 'melanesia'],
    ])
  })

  it('M49 puts all of Russia in eastern Europe, the Far East too', () => {
    cases([
      ['Vladivostok', 43.1, 131.9, 'eastern-europe'],
      ['Kamchatka', 53, 158.6, 'eastern-europe'],
      ['Chukotka, west of the antimeridian', 66, 179.5, 'eastern-europe'],
      ['Chukotka, east of the antimeridian', 66, -175, 'eastern-europe'],
    ])
  })

  it('a point at sea takes the sub-region of the nearest country', () => {
    cases([
      ['Sea of Japan, the 2019 impact area', 40.1, 129.9, 'eastern-asia'],
      ['Sea of Japan, west of Hokkaido', 42.5, 138, 'eastern-asia'],
      ['East China Sea', 30, 125, 'eastern-asia'],
      ['Pacific, east of Japan', 36, 150, 'eastern-asia'],
      ['Pacific, off Hawaii (a US state)', 0, -160, 'northern-america'],
      ['Gulf of Guinea', 2, 3, 'western-africa'],
    ])
  })

  it('south of 60° S (the Antarctic Treaty area) is antarctica, land or sea', () => {
    cases([
      ['South Pole', -90, 0, 'antarctica'],
      ['Ross Sea', -75, -175, 'antarctica'],
      ['Southern Ocean at 61° S', -61, 80, 'antarctica'],
    ])
  })

  it('gives a region-ov value for any point on Earth (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (lat, lon) => REGION_OV.has(regionOf({ lat, lon })),
      ),
    )
  })
})
