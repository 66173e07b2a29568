/** The Electron main process entry (built to dist/electron/main.js, package.json "main"). */
import { runApp } from './app.js';

runApp();
