// The conversion cache: hits when sources are unchanged, rebuilds when they
// change or the cached file is corrupt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cached } from '../src/models/resolver.js';

test('a cached conversion is reused, and rebuilt when stale or corrupt', async () => {
  process.env.DEPTHSTYLE_CACHE = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-cache-'));
  let builds = 0;
  const make = () => {
    builds++;
    return new TextEncoder().encode(`converted ${builds}`);
  };
  const a = await cached('m.onnx', 'key1', make);
  assert.equal(a.hit, false);
  const b = await cached('m.onnx', 'key1', make);
  assert.equal(b.hit, true);
  assert.deepEqual([...b.bytes], [...a.bytes]);
  assert.equal((await cached('m.onnx', 'key2', make)).hit, false, 'new source checksum → rebuild');
  const file = path.join(process.env.DEPTHSTYLE_CACHE, 'm.onnx');
  const bytes = await readFile(file);
  bytes[0] ^= 1;
  await writeFile(file, bytes);
  const c = await cached('m.onnx', 'key2', make);
  assert.equal(c.hit, false, 'corrupt entry → rebuild');
  assert.equal(new TextDecoder().decode(c.bytes), 'converted 3');
  assert.equal(builds, 3);
  delete process.env.DEPTHSTYLE_CACHE;
});
