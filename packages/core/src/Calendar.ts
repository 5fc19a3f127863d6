/**
 * Calendar arithmetic on unix seconds in UTC. Pure: it builds dates from the numbers it is given and
 * never reads the clock.
 */

/**
 * Adds calendar months in UTC, keeping the time of day. A day that does not exist in the target
 * month is clamped to its last day (31 Aug + 6 months = 28 or 29 Feb), as calendars do.
 */
export const addMonthsUtc = (unixSeconds: number, months: number): number => {
  const date = new Date(unixSeconds * 1000)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth() + months
  const targetYear = year + Math.floor(month / 12)
  const targetMonth = ((month % 12) + 12) % 12
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate()
  const day = Math.min(date.getUTCDate(), lastDay)
  const result = Date.UTC(
    targetYear,
    targetMonth,
    day,
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds()
  )
  return Math.floor(result / 1000)
}

/** Six calendar months: the longest a link may live (and its default lifetime). */
export const LINK_LIFETIME_MONTHS = 6

/** The earliest expiry a link may be given: 15 minutes after now. */
export const MIN_EXPIRY_LEAD_SECONDS = 15 * 60
