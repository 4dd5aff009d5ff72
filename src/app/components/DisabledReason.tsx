import type { Availability } from '../../worker/protocol.ts';

/**
 * The visible reason a control is disabled, linked to it by `aria-describedby={id}` so screen
 * readers announce it with the control. Renders nothing when the feature is available.
 */
export function DisabledReason({ id, availability }: { id: string; availability: Availability | null }) {
  if (availability?.available) return null;
  return (
    <p id={id} className="reason">
      {availability ? availability.reason : 'Waiting for the training worker…'}
    </p>
  );
}

export function isAvailable(availability: Availability | null | undefined): boolean {
  return availability?.available === true;
}
