// Builds the page's script (web/main.ts) with esbuild, in memory, when `serve` starts: the library's own
// stylizer, depth network and judges, bundled for the browser. Modules that read files or load native code
// cannot end up in the page: the build names the one that tried.
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { packageRoot } from '../models/resolver.js';

const NODE_ONLY = /^(node:.*|fs|fs\/promises|path|os|crypto|url|http|https|child_process|worker_threads|sharp|onnxruntime-node)$/;

const browserOnly = (root: string): Plugin => ({
  name: 'depthstyle-browser',
  setup(b) {
    // The graph runtime's engine: onnxruntime-web instead of onnxruntime-node.
    b.onResolve({ filter: /(^|\/)engine\.js$/ }, (a) => ({ path: path.resolve(path.dirname(a.importer), a.path.replace(/\.js$/, '.browser.ts')) }));
    b.onResolve({ filter: NODE_ONLY }, (a) => ({
      errors: [{ text: `${path.relative(root, a.importer)} imports "${a.path}": modules the page uses must not read files or load native code` }],
    }));
  },
});

export interface WebApp {
  /** The bundled page script (ES module). */
  js: Uint8Array;
  /** The webcam's worker (ES module). */
  webcamWorker: Uint8Array;
}

export async function buildWebApp(): Promise<WebApp> {
  const root = packageRoot();
  const r = await build({
    entryPoints: { app: path.join(root, 'web', 'main.ts'), 'webcam-worker': path.join(root, 'web', 'webcam-worker.ts') },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
    plugins: [browserOnly(root)],
  }).catch((err: { errors?: { text: string }[] }) => {
    throw new Error(`building the page failed: ${err.errors?.map((e) => e.text).join('; ') ?? String(err)}`);
  });
  const output = (name: string) => r.outputFiles.find((f) => path.basename(f.path) === `${name}.js`)!.contents;
  return { js: output('app'), webcamWorker: output('webcam-worker') };
}
