// Small tools the experiment scripts need, as code rather than inline `node -e` snippets:
//   node --import tsx scripts/run-tools.ts last-step RUN.log.jsonl        the last step a run's log reached
//   node --import tsx scripts/run-tools.ts first-step RUN.log.jsonl LABEL  LABEL and the style/content losses of step 1
//   node --import tsx scripts/run-tools.ts jpeg IN.png OUT.jpg [QUALITY]    a figure as JPEG (docs/ keeps JPEGs)
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from '../src/io/atomic.js';

/** The log's step entries (notes such as a branch's base or changed settings carry no step). */
export async function logSteps(file: string): Promise<Record<string, number>[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  return lines.map((l) => JSON.parse(l) as Record<string, number>).filter((e) => typeof e.step === 'number');
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'last-step') {
    const steps = await logSteps(args[0]);
    console.log(steps.length ? steps[steps.length - 1].step : 0);
  } else if (cmd === 'first-step') {
    const e = (await logSteps(args[0])).find((x) => x.step === 1);
    if (!e) throw new Error(`${args[0]}: no step 1`);
    console.log(args[1], 'style', e.style.toExponential(3), 'content', e.content.toExponential(3));
  } else if (cmd === 'jpeg') {
    await writeFileAtomic(
      args[1],
      await sharp(args[0])
        .jpeg({ quality: Number(args[2] ?? 85) })
        .toBuffer(),
    );
  } else throw new Error(`run-tools: last-step LOG | first-step LOG LABEL | jpeg IN OUT [QUALITY], not "${cmd}"`);
}

main().catch((err) => {
  console.error(`run-tools: ${(err as Error).message}`);
  process.exit(1);
});
