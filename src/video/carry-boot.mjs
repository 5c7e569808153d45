// The flow stabilizer thread's entry in a source checkout: tsx is registered in this thread before the
// TypeScript worker loads (a compiled package starts dist/…/carry-worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./carry-worker.ts');
