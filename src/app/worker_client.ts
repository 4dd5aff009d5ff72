/**
 * The UI thread's end of the worker: starts it (and a fresh one when its GPU device is lost), routes
 * its events into the store, and pairs request/response messages by `requestId`. No React here: the
 * store and this client work without it.
 */
import type { FromWorker, SelfTestCase, SelfTestReport, ToWorker, WorkerDiagnostics } from '../worker/protocol.ts';
import { saveDownload } from './download.ts';
import { routeFromWorker, type StudioStore, type WorkerPort } from './store/index.ts';

interface Pending {
  resolve(message: FromWorker): void;
  reject(error: Error): void;
}

export interface WorkerClient extends WorkerPort {
  /** Runs the engine's CAM kernels in the worker on the active backend (see worker/self_test.ts). */
  selfTest(cases: SelfTestCase[]): Promise<SelfTestReport>;
  diagnostics(): Promise<WorkerDiagnostics>;
  /** Routes events into `store`; events that arrive earlier are queued until then. */
  attach(store: StudioStore): void;
}

/** Chromium names the worker thread after this in devtools and crash reports. */
const WORKER_NAME = 'gazecam-training';

export function createWorkerClient(): WorkerClient {
  const pending = new Map<number, Pending>();
  let nextRequestId = 1;
  let store: StudioStore | undefined;
  const early: FromWorker[] = [];

  const rejectPending = (text: string) => {
    for (const waiter of pending.values()) waiter.reject(new Error(text));
    pending.clear();
  };

  const onMessage = (message: FromWorker) => {
    const requestId = 'requestId' in message ? message.requestId : undefined;
    const waiter = requestId === undefined ? undefined : pending.get(requestId);
    if (waiter) {
      pending.delete(requestId!);
      if (message.type === 'error') waiter.reject(new Error(message.message));
      else waiter.resolve(message);
    }
    if (message.type === 'exportReady') saveDownload(message.fileName, message.blob);
    if (store) routeFromWorker(store, message);
    else early.push(message);
  };

  const spawn = (): Worker => {
    const spawned = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: WORKER_NAME });
    // A replaced worker may still have messages in flight (its run failing on the dead device):
    // they describe a state that no longer exists, so only the current worker is heard.
    spawned.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      if (spawned === worker) onMessage(event.data);
    });
    spawned.addEventListener('error', (event) => {
      if (spawned !== worker) return;
      // A worker that fails to load or throws at top level: say so, and fail everything waiting.
      const text = `The training worker crashed: ${event.message || 'it could not be loaded'}.`;
      rejectPending(text);
      store?.getState().notify('error', text);
    });
    return spawned;
  };
  let worker = spawn();

  const post = (message: ToWorker) => worker.postMessage(message);

  function request<T extends FromWorker['type']>(
    build: (requestId: number) => ToWorker,
    replyType: T,
  ): Promise<Extract<FromWorker, { type: T }>> {
    const requestId = nextRequestId++;
    return new Promise((resolve, reject) => {
      pending.set(requestId, {
        resolve: (message) => {
          if (message.type === replyType) resolve(message as Extract<FromWorker, { type: T }>);
          else reject(new Error(`expected ${replyType}, got ${message.type}`));
        },
        reject,
      });
      post(build(requestId));
    });
  }

  return {
    post,
    replaceWorker: () => {
      const old = worker;
      worker = spawn();
      old.terminate();
      rejectPending('The training worker was replaced after its GPU device was lost: ask again.');
    },
    diagnostics: async () =>
      (await request((requestId) => ({ type: 'diagnostics', requestId }), 'diagnosticsResult')).diagnostics,
    selfTest: async (cases) => (await request((requestId) => ({ type: 'selfTest', requestId, cases }), 'selfTestResult')).report,
    attach: (s) => {
      store = s;
      for (const message of early.splice(0)) routeFromWorker(s, message);
    },
  };
}
