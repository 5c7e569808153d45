// depthstyle library entry point: a few verbs with typed options.
//   optimize({ content, styles, ... })      optimization-based (Gatys + depth loss)
//   stylize(img, await loadTransformModel('model.onnx'))  one-pass transform networks
//   stylizeWithPainting(img, 'painting.jpg')  any painting in one pass (the arbitrary-style network)
//   train({ style, data, ... })              train a depth-preserving transform network
//   new DepthEstimator(model, runtime).estimate(img)
//   writeVideo('out.mp4', stylizeFrames(readFrames('clip.mp4', size), model, { runtime }), { rate })   clips, streamed
// The graph engine (IR, autodiff, ONNX emission, ORT runtime) is under `engine`.
export { optimize, OPTIMIZE_DEFAULTS, type OptimizeOptions, type OptimizeResult, type OptimizeProgress } from './optimize/optimize.js';
export { Stylizer, stylize, type TransformModel, type StylizeOptions } from './stylize/stylize.js';
export { loadTransformModel } from './stylize/models.js';
export { ArbitraryStylist, resolvePainting, paintingNames } from './stylize/arbitrary.node.js';
export {
  createPipeline,
  stylizeWithPainting,
  type NetworkSpec,
  type PipelineOptions,
  type PaintingStylizeOptions,
} from './stylize/pipeline.node.js';
export { resolveStylizeOptions, STYLIZE_SETTINGS, type StylizeSettingsGiven } from './stylize/options.js';
export { StylizePipeline, PIPELINE_DEFAULTS, type PipelineSettings, type PipelineNetwork } from './stylize/pipeline.js';
export { StylePredictor, arbitraryTransformModel, mixStyles, styleAtStrength, type StyleVector } from './stylize/arbitrary.js';
export { arbitraryOnnx, ARBITRARY } from './models/magenta.js';
export { train, TRAIN_DEFAULTS, type TrainOptions, type TrainStep } from './train/train.js';
export { exportTransformNet } from './nn/export.js';
export { evaluatePair, type EvalReport } from './eval/evaluate.js';
export { compare, type Method } from './eval/report.js';
export { atStrokeScale, stylizeDepthStrokes, strokeScales, strokeWeights, parseDepthStrokes, type DepthStrokes } from './stylize/strokes.js';
export { combineLuminance, luminanceImage, matchHistogram, type PreserveColor } from './stylize/color.js';
export { DepthEstimator, loadDepthModel, loadOnnxDepthModel, type DepthModel, type DepthPolarity } from './models/depth.js';
export { loadVgg19, Vgg19 } from './models/vgg.js';
export { loadBaseline, baselineNet, baselineParams, BASELINE_STYLES } from './models/johnson.js';
export { ModelStore, cacheDir } from './models/resolver.js';
export { LICENCES } from './models/licences.js';
export { depthLoss, featureDepthLoss, DEPTH_LOSSES, DEPTH_LOSS_KINDS, type DepthLossKind, type DepthLossDef } from './losses/depth.js';
export { gram, mse, styleLoss, tvLoss } from './losses/perceptual.js';
export { stylizeFrames, STABILIZATIONS, DEFAULT_STABILIZATION, type Stabilization, type VideoStylizeOptions } from './stylize/video.js';
export { probeVideo, readFrames, writeVideo, videoFrameSize, requireFfmpeg, type VideoInfo, type FrameSpan } from './io/video.js';
export { evaluateClip, type ClipScores, type ClipFrame } from './eval/video.js';
export { opticalFlow, warp, consistentMask, type Flow } from './video/flow.js';
export { ArgumentError } from './io/arguments.js';
export type { EvalInputs } from './eval/evaluate.js';
export { finetuneArbitrary, exportFinetunedTransfer, ARBITRARY_FINETUNE_DEFAULTS, type ArbitraryFinetuneOptions } from './train/arbitrary.js';
export { loadImage, saveImage, saveGray16, resizeImage, type RgbImage } from './io/image.js';
export { colorizeDepth, normalizeDepth, type ColorMap } from './io/colormap.js';
export { Adam, LBFGS, type AdamOptions, type LbfgsOptions } from './optim/optimizers.js';
export * as engine from './graph/index.js';
