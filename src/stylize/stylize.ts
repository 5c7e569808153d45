// One-pass stylization with a feed-forward transform network: one graph per
// image size, built once and reused.
import * as G from '../graph/index.js';
import type { Tensor } from '../graph/index.js';
import type { RgbImage } from '../io/image.js';

/** A feed-forward stylizer: RGB 0–255 NCHW in, RGB 0–255 out, same size. */
export interface TransformModel {
  readonly id: string;
  readonly licence: string;
  build(x: Tensor): Tensor;
}

export class Stylizer {
  private readonly programs = new Map<string, Promise<{ prog: G.Program; input: Tensor }>>();
  constructor(
    readonly model: TransformModel,
    private readonly runtime: G.Runtime,
  ) {}

  private program(width: number, height: number) {
    const key = `${width}x${height}`;
    let p = this.programs.get(key);
    if (!p) {
      p = (async () => {
        const g = new G.Graph();
        const input = g.input('image', [1, 3, height, width]);
        return { prog: await this.runtime.compile([this.model.build(input)]), input };
      })();
      this.programs.set(key, p);
    }
    return p;
  }

  async stylize(img: RgbImage): Promise<RgbImage> {
    const { prog, input } = await this.program(img.width, img.height);
    const [out] = await prog.run(new Map([[input, img.data]]));
    return { width: img.width, height: img.height, data: out.data };
  }
}
