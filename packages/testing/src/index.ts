export * as EntityShape from "./EntityShape.js"
export * as HttpCall from "./HttpCall.js"
export * as Postgres from "./Postgres.js"
export * as TempDir from "./TempDir.js"
