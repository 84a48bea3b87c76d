import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { ApiError } from '../api';

/**
 * The API's message when it names this field (ApiError.field is the input's dotted path) or a
 * part of it (`spendControls.spendingLimits` for `spendControls.spendingLimits.0.amount.value`).
 */
export function fieldError(error: unknown, name: string): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  return error.field === name || error.field.startsWith(`${name}.`) ? error.message : undefined;
}

interface ShellProps {
  label: ReactNode;
  /** The API field name this control is for (matches ApiError.field). */
  name: string;
  error?: unknown;
  /** A message of the form's own (shown when the API's is not about this field). */
  message?: string;
  hint?: ReactNode;
  className?: string;
  children: (control: { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}

/** A label, a control and the error next to it; the control is wired to both by id. */
export function FieldShell({ label, name, error, message, hint, className, children }: ShellProps) {
  const id = useId();
  const text = fieldError(error, name) ?? message;
  const described = [hint ? `${id}-hint` : '', text ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${text ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': Boolean(text), 'aria-describedby': described || undefined })}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {text && (
        <p id={`${id}-error`} className="field-error">
          {text}
        </p>
      )}
    </div>
  );
}

type Common = { label: ReactNode; name: string; error?: unknown; message?: string; hint?: ReactNode; className?: string };

export function Field({ label, name, error, message, hint, className, ...input }: Common & Omit<InputHTMLAttributes<HTMLInputElement>, 'name'>) {
  return (
    <FieldShell label={label} name={name} error={error} message={message} hint={hint} className={className}>
      {(control) => <input {...input} {...control} />}
    </FieldShell>
  );
}

export function SelectField({ label, name, error, message, hint, className, children, ...select }: Common & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name'>) {
  return (
    <FieldShell label={label} name={name} error={error} message={message} hint={hint} className={className}>
      {(control) => (
        <select {...select} {...control}>
          {children}
        </select>
      )}
    </FieldShell>
  );
}

/**
 * The error of a failed submit that no field of the form shows (`fields` are the names the
 * form renders): a network failure, a 403, a 409, or a field the form has no control for.
 */
export function FormError({ error, fields = [] }: { error: unknown; fields?: readonly string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.field && fields.some((f) => fieldError(error, f))) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.responseCode : undefined;
  return (
    <p className="form-error" role="alert">
      {message}
      {code && code !== 'network' && <span className="code"> ({code})</span>}
    </p>
  );
}
