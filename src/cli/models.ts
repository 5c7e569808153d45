// depthstyle models: the zoo (models/NAME.onnx, usable as --model NAME) and the baselines, with their licences.
import { BASELINE_STYLES } from '../models/johnson.js';
import { zooDir, zooModels } from '../stylize/models.js';
import { ARBITRARY } from '../models/magenta.js';
import { ModelStore } from '../models/resolver.js';
import { paintingNames } from '../stylize/arbitrary.node.js';
import { common, type Command } from './args.js';

export const command: Command = {
  name: 'models',
  usage: '',
  summary: 'the trained models on offer (use a name as --model NAME) and their licences',
  options: {},
  run: async (v) => {
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
    const paintings = paintingNames(new ModelStore(common(v).models));
    process.stdout.write(
      `any painting: --style PAINTING (an image file, or a bundled painting: ${paintings.join(', ') || 'none found'})\n` +
        `  the arbitrary-style network of Ghiasi et al., "Exploring the structure of a real-time, arbitrary neural artistic stylization network" (BMVC 2017)\n` +
        `  ${ARBITRARY.licence} — with the zoo's own starry/composition models, a licence-clean way to stylize (no research-only weights)\n`,
    );
    process.stdout.write(`baselines (Johnson/Engstrom, research use only): ${BASELINE_STYLES.map((s) => `baseline:${s}`).join(', ')}\n`);
    return 0;
  },
};
