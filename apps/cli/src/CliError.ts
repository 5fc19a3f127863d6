/**
 * How a command fails, and the exit code each failure gets: a refusal of the API (1, the error's
 * description on stderr, exactly the text a server would answer with), a problem with how the
 * command was invoked (2), or an environment that does not work (1: unreachable server, unusable
 * database, unreadable file).
 */
import * as Data from "effect/Data"

/** The API refused the command (docs/errors.md); `description` is the wire text. */
export class Refused extends Data.TaggedError("Refused")<{
  readonly description: string
  readonly field?: string | undefined
}> {
  override get message(): string {
    return this.description
  }
}

/** The command line asks for something that cannot be done as asked. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The database, the server or a file could not be used. */
export class EnvironmentError extends Data.TaggedError("EnvironmentError")<{ readonly message: string }> {}

/** Some rows of a bulk command were refused; each is reported on its own. */
export class RowsRefused extends Data.TaggedError("RowsRefused")<{ readonly message: string }> {}

export type CliError = Refused | UsageError | EnvironmentError | RowsRefused

export const exitCodes = { ok: 0, refused: 1, usage: 2 } as const
