import { useEffect, useId, useState } from 'react';
import type { GazeMethod, TrainSettings } from '../../worker/protocol.ts';
import { ARCH_OPTIONS, AUGMENT_OPTIONS, GAZE_LOSS_OPTIONS, INPUT_SIZES, METHODS, NUMERIC_LIMITS, OPTIMIZER_OPTIONS } from '../store/settings_slice.ts';
import { AugmentationPreview } from './AugmentationPreview.tsx';
import { useStudio } from '../use_studio.ts';

type NumericKey = keyof typeof NUMERIC_LIMITS;

function NumberField({ field, label, step }: { field: NumericKey; label: string; step: string }) {
  const id = useId();
  const value = useStudio((s) => s.settings[field]);
  const error = useStudio((s) => s.settingsErrors[field]);
  const setSetting = useStudio((s) => s.setSetting);
  const limits = NUMERIC_LIMITS[field];
  // The text being typed ("0.", "") is not always a number yet; the store holds the parsed value and
  // may change underneath (device defaults), which then replaces the draft.
  const [draft, setDraft] = useState(String(value));
  useEffect(() => {
    if (!Number.isNaN(value) && Number(draft) !== value) setDraft(String(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a store change should reset the draft
  }, [value]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={limits.integer ? 'numeric' : 'decimal'}
        min={limits.min}
        max={limits.max}
        step={step}
        value={draft}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          const text = e.currentTarget.value;
          setDraft(text);
          setSetting(field, text.trim() === '' ? Number.NaN : Number(text));
        }}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function SelectField<K extends 'arch' | 'size' | 'method' | 'loss' | 'optimizer' | 'augment'>(props: {
  field: K;
  label: string;
  options: { value: TrainSettings[K]; label: string; description?: string }[];
  wide?: boolean;
}) {
  const id = useId();
  const value = useStudio((s) => s.settings[props.field]);
  const setSetting = useStudio((s) => s.setSetting);
  const description = props.options.find((o) => o.value === value)?.description;
  return (
    <div className={props.wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        aria-describedby={description ? `${id}-description` : undefined}
        value={String(value)}
        onChange={(e) => {
          const chosen = props.options.find((o) => String(o.value) === e.currentTarget.value);
          if (chosen) setSetting(props.field, chosen.value);
        }}
      >
        {props.options.map((o) => (
          <option key={String(o.value)} value={String(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
      {description && (
        <p id={`${id}-description`} className="field-hint">
          {description}
        </p>
      )}
    </div>
  );
}

const SIZE_OPTIONS = INPUT_SIZES.map((n) => ({ value: n as number, label: `${n} × ${n} px` }));
const METHOD_OPTIONS: { value: GazeMethod; label: string }[] = METHODS;

/** Training settings; validation messages sit under the field they belong to. */
export function SettingsPanel() {
  return (
    <section className="panel" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <div className="fields">
        <SelectField field="arch" label="Architecture" options={ARCH_OPTIONS} wide />
        <SelectField field="size" label="Input size" options={SIZE_OPTIONS} />
        <NumberField field="batch" label="Batch size" step="1" />
        <NumberField field="epochs" label="Epochs" step="1" />
        <NumberField field="lr" label="Learning rate" step="any" />
        <NumberField field="lambda" label="Gaze loss weight" step="any" />
        <SelectField field="method" label="Method" options={METHOD_OPTIONS} wide />
        <SelectField field="loss" label="Gaze loss" options={GAZE_LOSS_OPTIONS} wide />
        <SelectField field="optimizer" label="Optimizer" options={OPTIMIZER_OPTIONS} />
        <NumberField field="seed" label="Seed" step="1" />
        <SelectField field="augment" label="Augmentation" options={AUGMENT_OPTIONS} wide />
      </div>
      <AugmentationPreview />
    </section>
  );
}
