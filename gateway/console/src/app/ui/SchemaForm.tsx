/**
 * The inputs of a form model (../views/schema-form.ts): one labelled control per field, the schema's
 * description as help text tied to it (aria-describedby), required fields marked in words, nested objects as
 * fieldsets. The values live with the caller (`values`, `onChange`); errors are shown beside their fields.
 */
import type { ReactNode } from 'react';
import {
  type Field,
  type FieldError,
  type FormModel,
  type FormValues,
  ROOT_JSON,
} from '../views/schema-form.ts';

export interface SchemaFormProps {
  model: FormModel;
  values: FormValues;
  onChange(id: string, value: string | string[]): void;
  errors: readonly FieldError[];
}

export function SchemaForm({ model, values, onChange, errors }: SchemaFormProps) {
  const errorOf = (id: string) => errors.find((e) => e.id === id)?.message;
  if (model.kind === 'json') {
    const error = errorOf(ROOT_JSON);
    return (
      <div className="schema-field">
        <label htmlFor="arg-root-json">Arguments (JSON object)</label>
        <p id="arg-root-json-help" className="schema-help">
          The form cannot show this schema: {model.reason}.
        </p>
        <textarea
          id="arg-root-json"
          className="mono"
          rows={8}
          spellCheck={false}
          value={String(values[ROOT_JSON] ?? '')}
          aria-describedby={`arg-root-json-help${error ? ' arg-root-json-error' : ''}`}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(ROOT_JSON, e.target.value)}
        />
        {error ? (
          <p id="arg-root-json-error" className="error-text">
            {error}
          </p>
        ) : null}
      </div>
    );
  }
  if (model.fields.length === 0) return <p className="muted">This tool takes no arguments.</p>;
  return <Fields fields={model.fields} values={values} onChange={onChange} errorOf={errorOf} />;
}

function Fields(props: {
  fields: readonly Field[];
  values: FormValues;
  onChange(id: string, value: string | string[]): void;
  errorOf(id: string): string | undefined;
}) {
  return (
    <>
      {props.fields.map((field) => (
        <FieldControl key={field.id} field={field} {...props} />
      ))}
    </>
  );
}

function RequiredMark({ required }: { required: boolean }) {
  return required ? <span className="schema-required"> (required)</span> : null;
}

function FieldControl(props: {
  field: Field;
  values: FormValues;
  onChange(id: string, value: string | string[]): void;
  errorOf(id: string): string | undefined;
}) {
  const { field, values, onChange, errorOf } = props;
  if (field.kind === 'object') {
    return (
      <fieldset className="schema-fieldset">
        <legend>
          {field.label}
          <RequiredMark required={field.required} />
        </legend>
        {field.description ? <p className="schema-help">{field.description}</p> : null}
        <Fields fields={field.fields} values={values} onChange={onChange} errorOf={errorOf} />
      </fieldset>
    );
  }
  const error = errorOf(field.id);
  const helpId = `${field.id}-help`;
  const errorId = `${field.id}-error`;
  const hint = hintOf(field);
  const describedBy = [field.description || hint ? helpId : null, error ? errorId : null]
    .filter(Boolean)
    .join(' ');
  const common = {
    id: field.id,
    'aria-describedby': describedBy || undefined,
    'aria-invalid': error ? true : undefined,
    'aria-required': field.required || undefined,
  } as const;
  const text = typeof values[field.id] === 'string' ? (values[field.id] as string) : '';
  let control: ReactNode;
  switch (field.kind) {
    case 'string':
      control = field.multiline ? (
        <textarea {...common} rows={4} value={text} onChange={(e) => onChange(field.id, e.target.value)} />
      ) : (
        <input
          {...common}
          type="text"
          value={text}
          autoComplete="off"
          onChange={(e) => onChange(field.id, e.target.value)}
        />
      );
      break;
    case 'number':
    case 'integer':
      control = (
        <input
          {...common}
          type="text"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          value={text}
          autoComplete="off"
          onChange={(e) => onChange(field.id, e.target.value)}
        />
      );
      break;
    case 'boolean':
      control = (
        <select {...common} value={text} onChange={(e) => onChange(field.id, e.target.value)}>
          <option value="">(not set)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case 'enum':
      control = (
        <select {...common} value={text} onChange={(e) => onChange(field.id, e.target.value)}>
          <option value="">(not set)</option>
          {field.options.map((option, i) => (
            <option key={String(i)} value={String(i)}>
              {typeof option === 'string' ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
      break;
    case 'array':
      control = (
        <textarea
          {...common}
          rows={3}
          className="mono"
          value={text}
          onChange={(e) => onChange(field.id, e.target.value)}
        />
      );
      break;
    case 'enum-array': {
      const picked = Array.isArray(values[field.id]) ? (values[field.id] as string[]) : [];
      return (
        <fieldset
          className="schema-fieldset schema-choices"
          aria-describedby={describedBy || undefined}
          aria-invalid={error ? true : undefined}
        >
          <legend>
            {field.label}
            <RequiredMark required={field.required} />
          </legend>
          {field.options.map((option, i) => {
            const id = `${field.id}-${i}`;
            const value = String(i);
            return (
              <label key={id} htmlFor={id} className="schema-choice">
                <input
                  id={id}
                  type="checkbox"
                  checked={picked.includes(value)}
                  onChange={(e) =>
                    onChange(
                      field.id,
                      e.target.checked ? [...picked, value] : picked.filter((p) => p !== value),
                    )
                  }
                />{' '}
                {typeof option === 'string' ? option : JSON.stringify(option)}
              </label>
            );
          })}
          <Help id={helpId} description={field.description} hint={hint} />
          {error ? (
            <p id={errorId} className="error-text">
              {error}
            </p>
          ) : null}
        </fieldset>
      );
    }
    case 'json':
      control = (
        <textarea
          {...common}
          rows={3}
          className="mono"
          spellCheck={false}
          value={text}
          onChange={(e) => onChange(field.id, e.target.value)}
        />
      );
      break;
  }
  return (
    <div className="schema-field">
      <label htmlFor={field.id}>
        {field.label}
        <RequiredMark required={field.required} />
        {field.label !== field.name ? <span className="muted mono"> {field.name}</span> : null}
      </label>
      <Help id={helpId} description={field.description} hint={hint} />
      {control}
      {error ? (
        <p id={errorId} className="error-text">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function Help({ id, description, hint }: { id: string; description: string | null; hint: string | null }) {
  if (!description && !hint) return null;
  return (
    <p id={id} className="schema-help">
      {description}
      {description && hint ? ' ' : null}
      {hint ? <span className="muted">({hint})</span> : null}
    </p>
  );
}

/** What the schema says beyond the type, in words: bounds, format, and how to type lists and JSON. */
function hintOf(field: Field): string | null {
  const parts: string[] = [];
  switch (field.kind) {
    case 'string':
      if (field.format) parts.push(field.format);
      if (field.minLength !== null && field.maxLength !== null)
        parts.push(`${field.minLength}–${field.maxLength} characters`);
      else if (field.maxLength !== null) parts.push(`at most ${field.maxLength} characters`);
      else if (field.minLength === 1) parts.push('not empty');
      else if (field.minLength !== null && field.minLength > 1)
        parts.push(`at least ${field.minLength} characters`);
      if (field.pattern) parts.push(`matches ${field.pattern}`);
      break;
    case 'number':
    case 'integer':
      parts.push(field.kind === 'integer' ? 'whole number' : 'number');
      if (field.minimum !== null) parts.push(`≥ ${field.minimum}`);
      if (field.maximum !== null) parts.push(`≤ ${field.maximum}`);
      break;
    case 'array':
      parts.push(`one ${field.items === 'string' ? 'item' : field.items} per line`);
      if (field.maxItems !== null) parts.push(`at most ${field.maxItems}`);
      break;
    case 'json':
      parts.push(`JSON: ${field.reason}`);
      break;
    default:
      break;
  }
  return parts.length > 0 ? parts.join(', ') : null;
}
