#!/usr/bin/env node
/**
 * `paylinks-dispatcher`: the webhook and notification dispatcher as a process of its own, configured
 * through the environment (runtime's StandaloneDispatcher). Runs until SIGTERM or SIGINT, then stops
 * polling and exits 0; a bad setting exits 2, a failure to start 1, each with its message on stderr.
 */
import * as Main from "@paylinks/runtime/Main"
import * as StandaloneDispatcher from "@paylinks/runtime/StandaloneDispatcher"
import * as Effect from "effect/Effect"

Main.run("paylinks-dispatcher", Effect.flatMap(StandaloneDispatcher.fromEnv(process.env), StandaloneDispatcher.run))
