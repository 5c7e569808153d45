// Arbitrary-style stylization (Ghiasi et al. 2017, Magenta's mobile networks, Apache-2.0): a style
// predictor turns any painting into a 100-number style vector, and a transfer network paints a photo
// with it (conditional instance norm). Both TFLite files go through our importer to ONNX once (cached);
// the transfer network is built size-agnostic (its ×2 upsamplings as scales), so it runs at any size and
// tiles like the zoo. No file access beyond the model store: the page imports the same ONNX files.
import * as G from '../graph/index.js';
import { readTflite } from './tflite.js';
import { buildTfliteGraph } from './tflite-graph.js';
import { ModelStore, cached } from './resolver.js';
import { ARBITRARY } from './magenta-spec.js';
import { ArgumentError } from '../io/arguments.js';

export { ARBITRARY } from './magenta-spec.js';

/** Bump when the conversion changes, to invalidate cached ONNX files. */
const CONVERTER_VERSION = 1;

export type ArbitraryNet = 'predictor' | 'transfer';

/**
 * One of the two networks as ONNX, converted from its TFLite file once and cached. The predictor maps
 * "image" [1, 3, 256, 256] in [0, 1] to "style" [1, 100, 1, 1]; the transfer network maps "image"
 * [1, 3, H, W] in [0, 1] and "style" to "stylized" [1, 3, H, W] in [0, 1].
 */
export async function arbitraryOnnx(net: ArbitraryNet, store = new ModelStore()): Promise<Uint8Array> {
  if (net !== 'predictor' && net !== 'transfer') throw new ArgumentError('arbitraryOnnx: net', `must be 'predictor' or 'transfer', got ${String(net)}`);
  const def = ARBITRARY[net];
  const src = await store.read(def.file);
  const { bytes } = await cached(def.onnx, `${src.sha256}:v${CONVERTER_VERSION}`, () => {
    const m = readTflite(src.bytes, src.path);
    const g = new G.Graph();
    const image = g.input('image', [1, 3, def.side, def.side]);
    try {
      if (net === 'predictor') {
        const [style] = buildTfliteGraph(m, image, 'predictor');
        return G.toOnnx(g, [style], { name: 'magenta-style-predictor', outputNames: ['style'], metadata: { licence: ARBITRARY.licence } }).bytes;
      }
      const style = g.input('style', [1, ARBITRARY.styleSize, 1, 1]);
      const [out] = buildTfliteGraph(m, image, 'transfer', [], { extraInputs: [style], anySize: true });
      return G.toOnnx(g, [out], { name: 'magenta-style-transfer', outputNames: ['stylized'], metadata: { licence: ARBITRARY.licence } }).bytes;
    } catch (err) {
      throw new Error(`${src.path}: ${(err as Error).message}`);
    }
  });
  return bytes;
}
