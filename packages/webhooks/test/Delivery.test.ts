import { deliverySuite } from "./deliverySuite.js"
import { inMemoryStorage, sqliteStorage } from "./helpers.js"

deliverySuite("in-memory", inMemoryStorage)
deliverySuite("SQLite", () => sqliteStorage())
