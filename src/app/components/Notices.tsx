import { useStudio } from '../use_studio.ts';

/** Errors and warnings from the worker, newest last; each can be dismissed. */
export function Notices() {
  const notices = useStudio((s) => s.notices);
  const dismiss = useStudio((s) => s.dismissNotice);
  return (
    <div className="notices" role="log" aria-label="Messages" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`} role={n.level === 'error' ? 'alert' : undefined}>
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss message" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
