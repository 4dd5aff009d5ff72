import { useState } from 'react';
import { scaleOutCommands } from '../../engine/run/scale_out.ts';
import { useStudio } from '../use_studio.ts';

const MACHINES = [1, 2, 4, 8] as const;

/**
 * The current settings as a PyTorch run on GPU machines: prepare the dataset once, then torchrun
 * (the same commands `gazecam train --print-torchrun` prints; docs/scaling-out.md). Nothing runs
 * here: the user copies the commands to the machine that holds the data.
 */
export function RunAtScale() {
  const settings = useStudio((s) => s.settings);
  const dataset = useStudio((s) => s.dataset);
  const [nodes, setNodes] = useState<number>(1);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  // The studio sees a folder's name, not its path on the training machine.
  const folder = dataset.status === 'ready' && dataset.source === 'folder' ? dataset.name : 'path/to/dataset';
  const { text } = scaleOutCommands({ dataset: folder, out: `runs/${settings.arch}-${settings.method}`, config: settings, nodes, maxRestarts: nodes > 1 ? 3 : undefined });

  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setCopied('copied'),
      () => setCopied('failed'),
    );
  };

  return (
    <section className="panel" aria-labelledby="run-at-scale-heading">
      <h2 id="run-at-scale-heading">Run at scale</h2>
      <p>
        Train these settings with PyTorch on GPU machines: prepare the dataset once, then start <code>torchrun</code> (on every
        machine for several). The run writes the studio's format: import its <code>model.safetensors</code> here.{' '}
        <code>--batch</code> is the global batch, over all GPUs.
      </p>
      <div className="controls">
        <label>
          Machines{' '}
          <select value={nodes} onChange={(e) => setNodes(Number(e.currentTarget.value))}>
            {MACHINES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={copy} aria-describedby="run-at-scale-copied">
          Copy commands
        </button>
        <span id="run-at-scale-copied" role="status">
          {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copying was refused: select the text instead' : ''}
        </span>
      </div>
      <pre>
        <code>{text}</code>
      </pre>
      {nodes > 1 && (
        <p>
          Replace <code>HOST:29500</code> with a host and port every machine reaches; keep the run folder on storage every machine
          sees. A lost machine stops the job and torchrun restarts it (up to 3 times) from the last checkpoint.
        </p>
      )}
    </section>
  );
}
