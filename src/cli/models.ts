// depthstyle models: the zoo (models/NAME.onnx, usable as --model NAME) and the baselines, with their licences.
import { BASELINE_STYLES } from '../models/johnson.js';
import { zooDir, zooModels } from '../stylize/models.js';
import type { Command } from './args.js';

export const command: Command = {
  name: 'models',
  usage: '',
  summary: 'the trained models on offer (use a name as --model NAME) and their licences',
  options: {},
  run: async () => {
    const zoo = await zooModels();
    process.stdout.write(`zoo (${zooDir()}):\n`);
    if (!zoo.length) process.stdout.write('  (none)\n');
    for (const m of zoo) {
      const d = m.metadata;
      const depth = Number(d.depth_weight) > 0 ? `depth loss ${d.depth_loss} ×${d.depth_weight}` : 'no depth loss';
      // A branch counts its own steps; branch_steps is where its base stood (unknown for a released baseline).
      const at = d.branch_steps && d.branch_steps !== 'unknown' ? ` at its step ${d.branch_steps}` : '';
      const branch = d.branch_of ? `, branched from ${d.branch_of}${at}` : '';
      process.stdout.write(`  ${m.name.padEnd(18)} ${d.style ?? '?'}: ${d.steps ?? '?'} steps, ${depth}${branch}\n  ${''.padEnd(18)} ${m.licence}\n`);
    }
    process.stdout.write(`baselines (Johnson/Engstrom, research use only): ${BASELINE_STYLES.map((s) => `baseline:${s}`).join(', ')}\n`);
    return 0;
  },
};
