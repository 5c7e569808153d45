// depthstyle licences: what you may do with the weights and images used.
import { LICENCES } from '../models/licences.js';
import type { Command } from './args.js';

export const command: Command = {
  name: 'licences',
  aliases: ['licenses'],
  usage: '',
  summary: 'what you may do with the weights and images used',
  options: {},
  run: async () => {
    for (const l of LICENCES) process.stdout.write(`${l.what}\n  ${l.licence}\n  source: ${l.source}\n`);
    return 0;
  },
};
