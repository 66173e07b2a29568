import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles/base.css';
import './styles/titles.css';
import './styles/cluster.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');

if (!window.api) {
  // Opened as a plain file or from a server without the bridge: say what to do instead of a blank window.
  const message = document.createElement('p');
  message.className = 'no-host';
  message.textContent = 'Titlewave needs its host: start the desktop app, or run `titlewave serve` and open the address it prints.';
  container.replaceChildren(message);
} else {
  createRoot(container).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
