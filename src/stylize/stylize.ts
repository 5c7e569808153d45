// One-pass stylization for the library and the CLI: the stylizer (stylizer.ts, shared with the page) and `stylize`,
// a pipeline (pipeline.node.ts) run once for a loaded transform model.
export * from './stylizer.js';
export { stylize } from './pipeline.node.js';
