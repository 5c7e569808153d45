// The depthstyle command line: a table of commands, each defined in its own
// file (name, usage, options with their help, run); the help comes from the table.
import { commandHelp, overallHelp, parseCommand, type Command } from './args.js';
import { command as compare } from './compare.js';
import { command as depth } from './depth.js';
import { command as evaluate } from './eval.js';
import { command as licences } from './licences.js';
import { command as models } from './models.js';
import { command as optimize } from './optimize.js';
import { command as quantize } from './quantize.js';
import { command as serve } from './serve.js';
import { command as stylize } from './stylize.js';
import { command as train } from './train.js';
import { command as worker } from './worker.js';

export const COMMANDS: readonly Command[] = [stylize, depth, optimize, train, evaluate, compare, quantize, serve, worker, models, licences];

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(overallHelp(COMMANDS));
    return name ? 0 : 1;
  }
  const cmd = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (!cmd) throw new Error(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see depthstyle --help)`);
  const { values, positionals } = parseCommand(cmd, rest);
  if (values.help) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  return cmd.run(values, positionals, rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`depthstyle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
