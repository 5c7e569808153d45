// The HTTP API's answers, shared by the server and the page (web/main.ts imports these types).

/** One model of GET /api/models. */
export interface ModelInfo {
  name: string;
  kind: 'zoo' | 'baseline';
  /** What users may see of its training: style, steps, depth weight and loss, its base (no paths). */
  metadata: Record<string, string>;
  licence: string;
  /** Where the page fetches it as ONNX (when the page is served). */
  onnx?: string;
  /** A thumbnail of its painting, when the painting is on disk. */
  thumbnail?: string | null;
}

/** A painting for the arbitrary-style network: bundled (its 256-px square from the server) or the page user's own file. */
export interface PaintingInfo {
  name: string;
  thumbnail: string | null;
  square?: string;
}

/** GET /api/models. */
export interface ModelList {
  models: ModelInfo[];
  depth: { name: 'pydnet-v2'; onnx: string; licence: string };
  arbitrary: { licence: string; predictor: string; transfer: string; paintings: PaintingInfo[] };
}
