/**
 * Retry delays: exponential in the attempt number, capped, with jitter so that the deliveries that
 * failed together (an endpoint that went down) do not all come back in the same second.
 */

export interface BackoffPolicy {
  /** The nominal delay after the first failed attempt. */
  readonly baseSeconds: number
  /** The longest nominal delay. */
  readonly maxSeconds: number
}

export const defaultPolicy: BackoffPolicy = { baseSeconds: 10, maxSeconds: 3600 }

/** The nominal delay after `attempt` failed attempts: base · 2^(attempt−1), at most `maxSeconds`. */
export const nominalSeconds = (policy: BackoffPolicy, attempt: number): number =>
  Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, Math.min(attempt - 1, 30)))

/**
 * The delay after `attempt` failed attempts, with "equal jitter": uniformly within the upper half of
 * the nominal delay (`random` in [0, 1)), so it never drops below half of it.
 */
export const delaySeconds = (policy: BackoffPolicy, attempt: number, random: number): number => {
  const nominal = nominalSeconds(policy, attempt)
  return Math.max(1, Math.ceil(nominal / 2 + random * (nominal / 2)))
}

/**
 * A delay that grows with the time already spent retrying (about doubling it), for work whose
 * attempts are not counted one by one: within [½, 1] × clamp(elapsed, base, max).
 */
export const delayAfterSeconds = (policy: BackoffPolicy, elapsedSeconds: number, random: number): number => {
  const nominal = Math.min(policy.maxSeconds, Math.max(policy.baseSeconds, elapsedSeconds))
  return Math.max(1, Math.ceil(nominal / 2 + random * (nominal / 2)))
}
