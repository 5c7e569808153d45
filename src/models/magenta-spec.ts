// What the arbitrary-style networks are (files, sizes, licence): browser-safe, for the page and Node alike.
export const ARBITRARY = {
  predictor: { file: 'magenta-arbitrary/style_predict_quantized_256.tflite', onnx: 'magenta-style-predictor.onnx', side: 256 },
  transfer: { file: 'magenta-arbitrary/style_transfer_f16_384.tflite', onnx: 'magenta-style-transfer.onnx', side: 384 },
  /** Paintings are decoded at most this large (Node and the page alike), then their central square goes to the predictor. */
  paintingSide: 768,
  /** Length of a style vector. */
  styleSize: 100,
  /** The transfer network's two stride-2 convolutions and two ×2 upsamplings: sizes must be multiples of 4. */
  sizeMultiple: 4,
  licence: 'Magenta arbitrary-style networks (Ghiasi et al., BMVC 2017): Apache-2.0',
} as const;
