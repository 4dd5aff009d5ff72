/** React's view of the studio store: components select what they render, nothing more. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StudioState, StudioStore } from './store/index.ts';

export const StudioStoreContext = createContext<StudioStore | null>(null);

export function useStudio<T>(selector: (state: StudioState) => T): T {
  const store = useContext(StudioStoreContext);
  if (!store) throw new Error('useStudio must be used inside <StudioStoreContext.Provider>');
  return useStore(store, selector);
}
