/**
 * The worker process entry (built to dist/src/workers/worker.js). The same file runs under Electron's
 * utilityProcess.fork and Node's child_process.fork; transport.ts hides the difference.
 */
import { serveTasks, type AnyTaskLoaders } from './runtime.js';
import { taskRegistry } from './tasks.js';
import { connectToParent } from './transport.js';

process.title = 'titlewave-worker';
const loaders: AnyTaskLoaders = { ...(taskRegistry as AnyTaskLoaders) };
if (process.env.TITLEWAVE_TEST_TASKS === '1') Object.assign(loaders, (await import('./test-tasks.js')).testTaskLoaders);
serveTasks(connectToParent(), loaders);
