import { useState } from 'react';
import { failureOf, post } from '../api.ts';
import type { RunDetail, StepRecord } from '../api-types.ts';
import { formatJson } from '../format.ts';
import { navigate } from '../router.tsx';

/**
 * Starts a fork of the run from this step with a new input, prompt or model; the fork reuses the
 * journaled outputs of everything upstream. Only what was changed is sent as an override.
 */
export function ForkForm(props: {
  run: RunDetail;
  step: StepRecord;
  definitionModel: string | string[] | undefined;
  definitionPrompt: unknown;
  onCancel: () => void;
}) {
  const initialModel =
    props.step.model ??
    (Array.isArray(props.definitionModel) ? props.definitionModel[0] : props.definitionModel) ??
    '';
  const initialPrompt = typeof props.definitionPrompt === 'string' ? props.definitionPrompt : '';
  const initialInput = props.step.input === undefined ? '' : formatJson(props.step.input);
  const [model, setModel] = useState(initialModel);
  const [prompt, setPrompt] = useState(initialPrompt);
  const [input, setInput] = useState(initialInput);
  const [error, setError] = useState<string>();
  const submit = async () => {
    const override: { model?: string; prompt?: string; input?: unknown } = {};
    if (model !== initialModel && model.trim()) override.model = model.trim();
    if (prompt !== initialPrompt) override.prompt = prompt;
    if (input !== initialInput) {
      try {
        override.input = JSON.parse(input);
      } catch {
        override.input = input;
      }
    }
    try {
      const { runId } = await post<{ runId: string }>(
        `/api/runs/${encodeURIComponent(props.run.id)}/replay`,
        {
          from: props.step.path,
          overrides: { [props.step.path]: override },
        },
      );
      navigate(`/diff/${encodeURIComponent(props.run.id)}/${encodeURIComponent(runId)}`);
    } catch (reason) {
      const failure = failureOf(reason);
      setError(
        failure
          ? [
              failure.message,
              ...failure.problems.map((problem) => `${String(problem.path)}: ${problem.message}`),
            ].join('\n')
          : String(reason),
      );
    }
  };
  return (
    <form
      className="fork-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3>Fork from {props.step.path}</h3>
      <p className="muted small">
        Steps upstream keep their outputs; this step and those after it run again.
      </p>
      <label>
        Model
        <input name="fork.model" value={model} onChange={(event) => setModel(event.target.value)} />
      </label>
      {initialPrompt !== '' && (
        <label>
          Prompt
          <textarea
            name="fork.prompt"
            rows={5}
            value={prompt}
            onChange={(event) => setPrompt(event.target.value)}
          />
        </label>
      )}
      <label>
        Step input (JSON)
        <textarea
          name="fork.input"
          rows={5}
          value={input}
          onChange={(event) => setInput(event.target.value)}
        />
      </label>
      {error && (
        <pre className="error" role="alert">
          {error}
        </pre>
      )}
      <button type="submit">Start fork</button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}
