#!/usr/bin/env node
/**
 * `paylinks-dispatcher`: the webhook and notification dispatcher as a process of its own, configured
 * through the environment (runtime's StandaloneDispatcher). Runs until SIGTERM or SIGINT, then stops
 * polling and exits 0; a bad setting exits 2, a failure to start 1, each with its message on stderr.
 * A signal while its modules load ends it at once with exit code 0 (`Shutdown.holdSignals`).
 */
import * as Shutdown from "@paylinks/runtime/Shutdown"

const release = Shutdown.holdSignals()
const { dispatch } = await import("./dispatch.js")
dispatch(release)
