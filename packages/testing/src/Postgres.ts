/**
 * The PostgreSQL suites' switch: they run against the server at `PAYLINKS_TEST_PG_URL`, and without one
 * they are skipped loudly, or fail when `PAYLINKS_REQUIRE_PG=1` (a CI run that must not skip them).
 */

/** The test server's URL, when there is one. */
export const pgUrl: string | undefined = process.env.PAYLINKS_TEST_PG_URL

/** Whether the PostgreSQL suite in `file` can run; says loudly when it is skipped, throws when it must not be. */
export const requirePg = (file: string): boolean => {
  if (!pgUrl) {
    if (process.env.PAYLINKS_REQUIRE_PG === "1")
      throw new Error("PAYLINKS_REQUIRE_PG=1 but PAYLINKS_TEST_PG_URL is not set")
    console.warn(`!!! PAYLINKS_TEST_PG_URL is not set: PostgreSQL suite SKIPPED (${file})`)
    return false
  }
  return true
}
