import type { SliceCreator } from './types.ts';

export type NoticeLevel = 'error' | 'warning' | 'info';

export interface Notice {
  id: number;
  level: NoticeLevel;
  text: string;
}

export interface NoticesSlice {
  notices: Notice[];
  notify(level: NoticeLevel, text: string): void;
  dismissNotice(id: number): void;
}

/** Enough history to read, not so much that the list becomes the UI. */
const MAX_NOTICES = 5;
let nextNoticeId = 1;

export const createNoticesSlice: SliceCreator<NoticesSlice> = () => (set) => ({
  notices: [],
  notify: (level, text) =>
    set((s) => ({ notices: [...s.notices, { id: nextNoticeId++, level, text }].slice(-MAX_NOTICES) })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
});
