#!/usr/bin/env node
/** The `lplb` command. Exit codes: 0 success, 1 runtime failure, 2 invalid usage or input. */
import { runLplb } from "./main.js";

process.exitCode = await runLplb(process.argv);
