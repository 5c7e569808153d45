// The command line as a user runs it, from the tests: exit code and stderr, never a thrown error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/models/resolver.js';

const BIN = path.join(packageRoot(), 'bin', 'depthstyle.js');

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Each command fails with exit 1 and exactly one line matching its pattern. */
export async function assertRefused(cases: readonly (readonly [readonly string[], RegExp])[]): Promise<void> {
  for (const [args, expect] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, expect, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  }
}
