#!/usr/bin/env node
// Thin launcher: everything lives in the compiled CLI (npm ci builds dist/ through `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
