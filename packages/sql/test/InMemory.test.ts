import * as InMemory from "@paylinks/core/InMemory"
import { storageContract } from "./contract.js"

storageContract("in-memory", () => InMemory.layer)
