// The inference thread's entry in a source checkout: tsx is registered in this thread before the TypeScript
// worker loads (a compiled package starts dist/…/worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
