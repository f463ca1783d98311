import type { InputHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

/** The input attributes the app's forms use (Preact's own input type is a union that `Omit` cannot narrow). */
interface InputProps {
  label: string;
  error?: string;
  hint?: string;
  class?: string;
  type?: 'text' | 'email' | 'password' | 'search' | 'tel' | 'number';
  value: string;
  onInput: (event: { currentTarget: HTMLInputElement }) => void;
  required?: boolean;
  maxLength?: number;
  autoComplete?: string;
  inputMode?: 'decimal' | 'numeric' | 'text' | 'email' | 'tel' | 'search';
  placeholder?: string;
  list?: string;
}

/** A labelled input with its error beside it (from problem+json `errors[]`), announced to screen readers. */
export function Field({ label, error, hint, class: className, ...input }: InputProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field ${className ?? ''}`}>
      <label for={id}>{label}</label>
      {/* Preact 11 types an input as a union by `type`; these props are a valid member of it for every `type` above. */}
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described} {...(input as unknown as InputHTMLAttributes)} />
      {hint && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes, 'label'> & { label: string; error?: string };

export function TextArea({ label, error, ...area }: TextAreaProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...area} />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
