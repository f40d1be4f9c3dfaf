/** A sensor feed's event: hostile missile launcher at the site, launch facts in <launch>. */
export function feedEvent(
  uid: string,
  {
    type = 'a-h-G-E-W-M-S',
    launch = 'rangeKm="370" apogeeKm="90"',
    course = '68',
    point = true,
  } = {},
): string {
  return [
    `<event version="2.0" uid="${uid}" type="${type}" how="m-r" time="2019-10-31T07:35:00Z"`,
    ` start="2019-10-31T07:35:00Z" stale="2019-10-31T08:35:00Z">`,
    point ? '<point lat="39.41" lon="125.89" hae="0" ce="500" le="500"/>' : '',
    `<detail><track course="${course}" speed="0"/><launch ${launch}/>`,
    '<remarks>two SRBMs, Sea of Japan</remarks></detail></event>',
  ].join('')
}
