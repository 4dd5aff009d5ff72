/**
 * Entry point: one worker, one store, one React root. The worker starts on WebGPU; the UI offers the
 * fallback itself if the worker reports no adapter.
 */
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { installDiagnostics } from './diagnostics.ts';
import { createStudioStore } from './store/index.ts';
import { StudioStoreContext } from './use_studio.ts';
import { createWorkerClient } from './worker_client.ts';
import './styles.css';

const client = createWorkerClient();
const store = createStudioStore(client);
client.attach(store);
installDiagnostics(client);

// Anything that escapes a handler becomes a visible message too. Not preventDefault(): the console
// (and the e2e suite's page-error check) must still see it.
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason instanceof Error ? event.reason.message : String(event.reason);
  store.getState().notify('error', `Unexpected error: ${reason}`);
});
store.getState().startBackend('webgpu');

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// The first render as a transition: React renders it in slices and yields between them, so the
// page's first paint is several short main-thread tasks rather than one long one.
startTransition(() =>
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary>
        <StudioStoreContext.Provider value={store}>
          <App />
        </StudioStoreContext.Provider>
      </ErrorBoundary>
    </StrictMode>,
  ),
);
