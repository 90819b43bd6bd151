import { useId, useState } from 'react';
import type { JsonSchema, Problem } from '../api-types.ts';
import { problemParts } from '../problem-path.ts';

/**
 * A form generated from a JSON Schema: objects become labelled fields, enums selects, booleans
 * checkboxes, numbers number fields, text text areas; anything else is edited as JSON. It does not
 * enforce the schema itself: the server checks the value (the step's own check, refinements
 * included) and its problems are shown next to the fields they name.
 */
export interface SchemaFormProps {
  schema: JsonSchema | null | undefined;
  value: unknown;
  onChange: (value: unknown) => void;
  problems?: Problem[];
  /** Names the form's fields for labels and tests, e.g. `input` or `edit`. */
  name: string;
}

export function SchemaForm(props: SchemaFormProps) {
  const problems = props.problems ?? [];
  const fields = fieldKeys(props.schema ?? {}, []);
  const placed = new Map<string, string[]>();
  const unplaced: string[] = [];
  for (const problem of problems) {
    const key = placeProblem(problemParts(problem.path), fields);
    if (key === undefined) unplaced.push(formatProblem(problem));
    else placed.set(key, [...(placed.get(key) ?? []), problem.message]);
  }
  return (
    <div className="schema-form" data-form={props.name}>
      {unplaced.length > 0 && (
        <ul className="form-errors" role="alert">
          {unplaced.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      <FieldEditor
        schema={props.schema ?? {}}
        value={props.value}
        onChange={props.onChange}
        path={[]}
        problems={placed}
        name={props.name}
      />
    </div>
  );
}

interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  path: string[];
  problems: Map<string, string[]>;
  name: string;
  label?: string;
  required?: boolean;
}

function FieldEditor(props: FieldProps) {
  const { schema } = props;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  const type = schemaType(schema);
  if (type === 'object' && properties) {
    const value = isRecord(props.value) ? props.value : {};
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const body = Object.entries(properties).map(([key, child]) => (
      <FieldEditor
        key={key}
        schema={child}
        value={value[key]}
        path={[...props.path, key]}
        problems={props.problems}
        name={props.name}
        label={key}
        required={required.has(key)}
        onChange={(next) => {
          const copy: Record<string, unknown> = { ...value };
          if (next === undefined) delete copy[key];
          else copy[key] = next;
          props.onChange(copy);
        }}
      />
    ));
    if (props.path.length === 0) return <div className="fields">{body}</div>;
    return (
      <fieldset className="fields">
        <legend>{props.label}</legend>
        {body}
        <FieldErrors messages={props.problems.get(props.path.join('.'))} />
      </fieldset>
    );
  }
  return <LeafField {...props} type={type} />;
}

function LeafField(props: FieldProps & { type: string | undefined }) {
  const id = useId();
  const { schema, type } = props;
  const key = props.path.join('.');
  const fieldName = key ? `${props.name}.${key}` : props.name;
  const messages = props.problems.get(key);
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  const invalid = messages !== undefined;
  let control: React.ReactNode;
  if (Array.isArray(schema.enum)) {
    const options = schema.enum as unknown[];
    control = (
      <select
        id={id}
        name={fieldName}
        aria-invalid={invalid}
        value={props.value === undefined ? '' : JSON.stringify(props.value)}
        onChange={(event) =>
          props.onChange(event.target.value === '' ? undefined : JSON.parse(event.target.value))
        }
      >
        <option value="">—</option>
        {options.map((option) => (
          <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  } else if (type === 'boolean') {
    control = (
      <input
        id={id}
        name={fieldName}
        type="checkbox"
        aria-invalid={invalid}
        checked={props.value === true}
        onChange={(event) => props.onChange(event.target.checked)}
      />
    );
  } else if (type === 'number' || type === 'integer') {
    control = (
      <input
        id={id}
        name={fieldName}
        type="number"
        aria-invalid={invalid}
        step={type === 'integer' ? 1 : 'any'}
        value={typeof props.value === 'number' ? props.value : ''}
        onChange={(event) =>
          props.onChange(event.target.value === '' ? undefined : Number(event.target.value))
        }
      />
    );
  } else if (type === 'string') {
    const text = typeof props.value === 'string' ? props.value : '';
    const short = typeof schema.maxLength === 'number' && schema.maxLength <= 120;
    control = short ? (
      <input
        id={id}
        name={fieldName}
        type="text"
        aria-invalid={invalid}
        value={text}
        onChange={(event) => props.onChange(event.target.value)}
      />
    ) : (
      <textarea
        id={id}
        name={fieldName}
        aria-invalid={invalid}
        rows={Math.min(12, Math.max(2, text.split('\n').length))}
        value={text}
        onChange={(event) => props.onChange(event.target.value)}
      />
    );
  } else {
    control = (
      <JsonField id={id} name={fieldName} invalid={invalid} value={props.value} onChange={props.onChange} />
    );
  }
  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`}>
      {props.label !== undefined && (
        <label htmlFor={id}>
          {props.label}
          {props.required && <span className="required"> *</span>}
        </label>
      )}
      {description && <div className="field-description">{description}</div>}
      {control}
      <FieldErrors messages={messages} />
    </div>
  );
}

/** A value without a simpler editor, edited as JSON text; text that does not parse is flagged. */
function JsonField(props: {
  id: string;
  name: string;
  invalid: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const [text, setText] = useState(() =>
    props.value === undefined ? '' : JSON.stringify(props.value, null, 2),
  );
  const [parseError, setParseError] = useState<string>();
  return (
    <>
      <textarea
        id={props.id}
        name={props.name}
        className="json-input"
        aria-invalid={props.invalid || parseError !== undefined}
        rows={Math.min(16, Math.max(3, text.split('\n').length))}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() === '') {
            setParseError(undefined);
            props.onChange(undefined);
            return;
          }
          try {
            props.onChange(JSON.parse(event.target.value));
            setParseError(undefined);
          } catch (error) {
            setParseError(`Not valid JSON: ${(error as Error).message}`);
          }
        }}
      />
      <FieldErrors messages={parseError ? [parseError] : undefined} />
    </>
  );
}

function FieldErrors({ messages }: { messages: string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <ul className="field-errors" role="alert">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

function schemaType(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((item) => item !== 'null') as string | undefined;
  if (schema.properties) return 'object';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every field path the form shows, joined with dots; '' is the form itself. */
function fieldKeys(schema: JsonSchema, path: string[]): string[] {
  const keys = [path.join('.')];
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (schemaType(schema) === 'object' && properties)
    for (const [key, child] of Object.entries(properties)) keys.push(...fieldKeys(child, [...path, key]));
  return keys;
}

/**
 * The field a problem belongs to: the longest field path that ends the problem's path, so a
 * server that prefixes paths (`edit.plan`) still lands on the `plan` field. A problem of the whole
 * value (no segments) or of no shown field is listed above the form.
 */
function placeProblem(parts: string[], fields: string[]): string | undefined {
  let best: string | undefined;
  for (const field of fields) {
    if (field === '') continue;
    const segments = field.split('.');
    if (segments.length > parts.length) continue;
    const tail = parts.slice(parts.length - segments.length);
    if (tail.join('.') === field && (best === undefined || field.length > best.length)) best = field;
  }
  // A problem inside a JSON-edited value (`tags.2`) belongs to that value's field.
  if (best === undefined)
    for (const field of fields)
      if (
        field !== '' &&
        parts.join('.').startsWith(`${field}.`) &&
        (best === undefined || field.length > best.length)
      )
        best = field;
  return best;
}

function formatProblem(problem: Problem): string {
  const parts = problemParts(problem.path);
  return parts.length === 0 ? problem.message : `${parts.join('.')}: ${problem.message}`;
}
