// Serializes the forward part of an IR graph (ops, attributes, constants) so
// the PyTorch peer can run the very same network (bench/peer.py, "spec" cases).
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '../src/graph/index.js';

export interface SpecCase {
  /**
   * 'forward': time outputs; 'grad-input': outputs[0] is a scalar loss, time
   * forward + backward to the inputs; 'lbfgs': minimize outputs[0] over the
   * first input with torch.optim.LBFGS for `iterations` iterations;
   * 'train-step': one Adam step on the graph's parameters (outputs[0] the loss).
   */
  mode: 'forward' | 'grad-input' | 'lbfgs' | 'train-step';
  iterations?: number;
}

export async function writeSpec(outputs: readonly Tensor[], feeds: ReadonlyMap<Tensor, Float32Array>, c: SpecCase): Promise<string> {
  const g = outputs[0].graph;
  const nodes = g.nodesFor(outputs);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depthstyle-spec-'));
  const blobs: Float32Array[] = [];
  let offset = 0;
  const constants: { name: string; shape: number[]; offset: number; length: number }[] = [];
  const inputs: { name: string; shape: number[]; offset: number; length: number }[] = [];
  const params: string[] = [];
  const seen = new Set<number>();
  for (const n of nodes)
    for (const t of n.inputs) {
      if (t.kind === 'node' || seen.has(t.id)) continue;
      seen.add(t.id);
      const data = t.kind === 'input' ? feeds.get(t) : t.data ? Float32Array.from(t.data) : undefined;
      if (!data) throw new Error(`spec: no data for ${t.kind} ${t.name}`);
      const entry = { name: t.name, shape: t.staticShape('spec'), offset, length: data.length };
      (t.kind === 'input' ? inputs : constants).push(entry);
      if (t.kind === 'param') params.push(t.name);
      blobs.push(data);
      offset += data.length;
    }
  const spec = {
    mode: c.mode,
    iterations: c.iterations ?? 0,
    inputs,
    constants,
    params,
    nodes: nodes.map((n) => ({ op: n.op.type, inputs: n.inputs.map((t) => t.name), outputs: n.outputs.map((t) => t.name), attrs: n.attrs })),
    outputs: outputs.map((t) => t.name),
  };
  await writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec));
  const all = new Float32Array(offset);
  let o = 0;
  for (const b of blobs) {
    all.set(b, o);
    o += b.length;
  }
  await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(all.buffer));
  return dir;
}
