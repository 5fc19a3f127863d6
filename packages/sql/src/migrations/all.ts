/**
 * Every schema version, in order: one file per version. A new version is a new file here and one more
 * entry in this list; a released version is never edited.
 */
import type { Migration } from "./Migration.js"
import { v1 } from "./v1.js"
import { v2 } from "./v2.js"
import { v3 } from "./v3.js"
import { v4 } from "./v4.js"

export const all: ReadonlyArray<Migration> = [v1, v2, v3, v4]
