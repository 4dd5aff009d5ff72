/**
 * The visible reason a control is disabled, linked to it by `aria-describedby={id}` so screen
 * readers announce it with the control. Renders nothing when there is no reason.
 */
export function DisabledReason({ id, reason }: { id: string; reason: string | null }) {
  if (reason === null) return null;
  return (
    <p id={id} className="reason">
      {reason}
    </p>
  );
}

/** Until the worker has reported its capabilities, nothing can be sent its way. */
export const WAITING_FOR_WORKER = 'Waiting for the training worker…';
