/**
 * The studio's "Run at scale" panel renders the scale-out commands for the settings in the store
 * (server-rendered: the panel is pure rendering over the store and scaleOutCommands).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { expect, it } from 'vitest';
import { RunAtScale } from '../../src/app/components/RunAtScale.tsx';
import { createStudioStore } from '../../src/app/store/index.ts';
import { StudioStoreContext } from '../../src/app/use_studio.ts';
import { scaleOutCommands } from '../../src/engine/run/scale_out.ts';

it('shows the prepare and torchrun commands for the current settings, with a copy button', () => {
  const store = createStudioStore({ post: () => {}, replaceWorker: () => {} });
  store.getState().setSetting('arch', 'resnet50');
  store.getState().setSetting('size', 224);
  store.getState().setSetting('batch', 64);
  store.getState().setSetting('loss', 'mse');
  // Server rendering reads zustand's initial state; this view of the store serves the current one.
  const current = { ...store, getInitialState: store.getState };
  const html = renderToStaticMarkup(createElement(StudioStoreContext.Provider, { value: current }, createElement(RunAtScale)));
  const { settings } = store.getState();
  const expected = scaleOutCommands({ dataset: 'path/to/dataset', out: `runs/resnet50-${settings.method}`, config: settings, nodes: 1 });
  expect(html).toContain('<h2 id="run-at-scale-heading">Run at scale</h2>');
  expect(html).toContain('>Copy commands</button>');
  for (const line of expected.text.split('\n')) expect(html).toContain(line);
  expect(expected.torchrun).toEqual(expect.arrayContaining(['--arch', 'resnet50', '--batch', '64', '--loss', 'mse']));
});
