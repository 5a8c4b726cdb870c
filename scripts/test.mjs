#!/usr/bin/env node
// `npm test`: the type check (tsc --noEmit) beside the whole Vitest run (every project), not before
// it. Vitest's output streams as usual (its "Tests N passed" summary included); tsc's lines are
// printed as they come, prefixed "[tsc]", and its verdict comes after Vitest's summary. Exits non-zero
// when either fails. Arguments go to Vitest: `npm test -- tests/accounts` (the type check still runs).
//
// tsc runs at a lower CPU priority: on a 2-core machine it then takes the cycles the tests leave
// (they spend much of their time waiting on PostgreSQL) instead of slowing them down.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
/** The file a package's `bin` entry names, run with this Node (no shell, no npx). */
function binOf(pkg, name) {
  const manifest = require.resolve(`${pkg}/package.json`);
  const { bin } = require(manifest);
  return path.join(path.dirname(manifest), typeof bin === 'string' ? bin : bin[name]);
}
const tscBin = binOf('typescript', 'tsc');
const vitestBin = binOf('vitest', 'vitest');

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

// --incremental keeps what it learnt in node_modules/.cache: a second run checks only what changed
// (about 4 s instead of 10 to 20 here; CI's second run, against the PostgreSQL server, gains too).
const tsc = spawn(process.execPath, [tscBin, '--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/edupeak/tsc.tsbuildinfo'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
try {
  os.setPriority(tsc.pid, 10);
} catch {
  // Not allowed here: it runs at normal priority.
}
for (const stream of [tsc.stdout, tsc.stderr]) {
  createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[tsc] ${line}\n`));
}
const tscDone = new Promise((resolve) => {
  tsc.on('error', (error) => resolve({ code: 1, error }));
  tsc.on('exit', (code, signal) => resolve({ code: code ?? 1, signal, at: seconds() }));
});

const vitest = spawn(process.execPath, [vitestBin, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
const vitestDone = new Promise((resolve) => {
  vitest.on('error', (error) => resolve({ code: 1, error }));
  vitest.on('exit', (code, signal) => {
    // Nothing left to yield to: back to normal priority (only permitted to root; otherwise it stays).
    if (tsc.exitCode === null) {
      try {
        os.setPriority(tsc.pid, 0);
      } catch {
        // Not permitted: it finishes at the lower priority.
      }
    }
    resolve({ code: code ?? 1, signal });
  });
});

// Ctrl+C reaches both children from the terminal; a SIGTERM sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of [tsc, vitest]) if (child.exitCode === null) child.kill(signal);
  });
}

const [typecheck, tests] = await Promise.all([tscDone, vitestDone]);
if (typecheck.code === 0) {
  console.log(`Type check: passed (tsc --noEmit, done at ${typecheck.at} s)`);
} else {
  console.log(`Type check: FAILED (tsc --noEmit ${typecheck.error ? typecheck.error.message : `exit ${typecheck.code}`}; its errors are the [tsc] lines above)`);
}
if (tests.code !== 0) console.log(`Vitest: FAILED (exit ${tests.signal ?? tests.code})`);
console.log(`npm test: ${seconds()} s`);
process.exitCode = tests.code !== 0 ? tests.code : typecheck.code;
