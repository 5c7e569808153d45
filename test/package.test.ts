// The package as a user installs it: `npm pack` gives a small package (no checkpoints, benchmarks, tests or
// docs figures), which installs into an empty folder without the network (every dependency from the npm cache,
// pinned by a lockfile made from ours; onnxruntime-node's optional CUDA download skipped) and then runs
// `npx depthstyle --help`, a stylize with --models, and `import … from 'depthstyle'`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../src/models/resolver.js';
import { SHARED } from './support/fixtures.js';

const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, maxBuffer: 1 << 26 });

test('npm pack → an offline install in an empty folder → npx depthstyle stylize and the library import work', async () => {
  const root = packageRoot();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-package-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', dir], root);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
  const files = info.files.map((f) => f.path);
  console.log(`  ${info.filename}: ${(info.size / 1e6).toFixed(1)} MB packed, ${files.length} files`);
  assert.ok(info.size < 12e6, `package is ${info.size} bytes`);
  for (const bad of [
    /\.ckpt$/,
    /^models\/bases\//,
    /^bench\//,
    /^test\//,
    /^docs\//,
    /^scripts\//,
    /\.log\.jsonl$/,
    /\.preview\.png$/,
    /^dist\/(test|bench|scripts)\//,
  ])
    assert.ok(!files.some((f) => bad.test(f)), `${bad} in the package: ${files.filter((f) => bad.test(f)).join(', ')}`);
  for (const need of [
    'bin/depthstyle.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/serve/worker.js',
    'web/main.ts',
    'LICENSE',
    'models/starry-depth.onnx',
  ])
    assert.ok(files.includes(need), `${need} is missing from the package`);

  // An empty folder, pinned to our lockfile's versions so that npm needs no registry.
  const app = path.join(dir, 'app');
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const tgz = path.join(dir, info.filename);
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { depthstyle: `file:${tgz}` } },
    'node_modules/depthstyle': {
      version: pkg.version,
      resolved: `file:${tgz}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k && !v.dev && !v.link) packages[k] = v;
  await (await import('node:fs/promises')).mkdir(app);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { depthstyle: `file:${tgz}` } }));
  await writeFile(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }));
  await npm(['ci', '--offline', '--no-audit', '--no-fund'], app);

  const help = await run('npx', ['--offline', 'depthstyle', '--help'], { cwd: app });
  assert.match(help.stdout, /depthstyle — depth-preserving neural style transfer/);
  const out = path.join(app, 'out.jpg');
  const styl = await run(
    'npx',
    [
      '--offline',
      'depthstyle',
      'stylize',
      path.join(SHARED, 'images', 'content', 'tubingen.jpg'),
      '--model',
      'starry-depth',
      '--models',
      path.join(SHARED, 'models'),
      '--max-size',
      '128',
      '-o',
      out,
    ],
    { cwd: app },
  );
  assert.match(styl.stderr, /wrote .*out\.jpg/);
  assert.ok((await stat(out)).size > 1000);
  await writeFile(
    path.join(app, 'lib.mjs'),
    "import { stylizeWithPainting, loadImage, LICENCES } from 'depthstyle';\nconsole.log(typeof stylizeWithPainting, typeof loadImage, LICENCES.length > 3);\n",
  );
  assert.equal((await run(process.execPath, ['lib.mjs'], { cwd: app })).stdout.trim(), 'function function true');

  // The installed library finds the models beside the project that installed it (not in node_modules/shared),
  // stylizes with a bundled painting by name, and without any models says where it looked and what to set.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DEPTHSTYLE_MODELS;
  const script =
    "import { stylizeWithPainting, loadImage, saveImage, ModelStore } from 'depthstyle';\nconsole.log(new ModelStore().dir);\nconst p = await loadImage(process.argv[2], { maxSide: 96 });\nawait saveImage('lib-out.png', await stylizeWithPainting(p, 'wave'));\n";
  await writeFile(path.join(app, 'paint.mjs'), script);
  const photoFile = path.join(SHARED, 'images', 'content', 'tubingen.jpg');
  const none = await run(process.execPath, ['paint.mjs', photoFile], { cwd: app, env }).catch((e: { stderr: string }) => e);
  assert.match(none.stderr, /painting wave: no such file, and not a bundled painting \(none in .*: .*set DEPTHSTYLE_MODELS or --models/);
  await symlink(SHARED, path.join(dir, 'shared'));
  const found = await run(process.execPath, ['paint.mjs', photoFile], { cwd: app, env });
  assert.equal(found.stdout.trim(), path.join(dir, 'shared', 'models'));
  assert.ok((await stat(path.join(app, 'lib-out.png'))).size > 1000);
});
