/** One schema version: what it is called and the statements that bring the schema to it. */
export interface Migration {
  readonly version: number
  readonly name: string
  /** Statements, one per entry; `{{identity}}` is the dialect's auto-incrementing primary key column type. */
  readonly statements: ReadonlyArray<string>
}
