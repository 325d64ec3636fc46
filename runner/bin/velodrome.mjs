#!/usr/bin/env node
// Launcher: runs the TypeScript entry point through tsx (Node 20 has no type stripping).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
