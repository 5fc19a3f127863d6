#!/usr/bin/env node
/**
 * `paylinks-dispatcher`: the webhook and notification dispatcher on its own (see Standalone).
 */
import { main } from "./Standalone.js"

main()
