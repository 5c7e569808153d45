// One-pass stylization of an image with a transform model, for the library and the CLI: the stylizer
// (stylizer.ts, shared with the page) with the default depth network loaded when depth-guided strength asks for it.
import * as G from '../graph/index.js';
import type { RgbImage } from '../io/rgb.js';
import { loadDepthModel } from '../models/depth.js';
import { Stylizer, checkStylizeOptions, finishStylization, stylizeStrokes, type StylizeOptions, type TransformModel } from './stylizer.js';
import { ArgumentError, checkImageArg } from '../io/arguments.js';

export * from './stylizer.js';

/**
 * One-pass stylization of an image with a transform model (see
 * loadTransformModel: a trained .onnx file or a baseline), any size.
 */
export async function stylize(image: RgbImage, model: TransformModel, o: StylizeOptions = {}): Promise<RgbImage> {
  checkImageArg(image, 'stylize: image');
  if (!model || typeof model !== 'object' || typeof model.build !== 'function')
    throw new ArgumentError('stylize: model', 'must be a TransformModel (loadTransformModel gives one)');
  checkStylizeOptions(o, 'stylize');
  const runtime = o.runtime ?? new G.Runtime();
  const s = new Stylizer(model, runtime, { margin: o.margin });
  const depthModel = o.depthStrength || o.depthStrokes ? (o.depthModel ?? (await loadDepthModel())) : undefined;
  const out = await stylizeStrokes(s, image, { ...o, depthModel, runtime });
  await s.release();
  return finishStylization(out, image, { ...o, runtime, depthModel });
}
