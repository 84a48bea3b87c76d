import { useId, useState } from 'react';
import type { PolicyRule, RuleProblem } from './index';

export interface RuleEditorProps {
  rules: PolicyRule[];
  onChange: (rules: PolicyRule[]) => void;
  /** The server's 4009501, shown where it belongs. */
  problem?: RuleProblem | null;
  /** The business's currency: amount values are typed in it (minor units in the rules). */
  currency: string;
  disabled?: boolean;
}

/** Placeholder until the visual editor lands: the rules as JSON. */
export function RuleEditor({ rules, onChange, problem, disabled }: RuleEditorProps) {
  const id = useId();
  const [text, setText] = useState(() => JSON.stringify(rules, null, 2));
  return (
    <div>
      <label htmlFor={id}>Rules (JSON)</label>
      <textarea
        id={id}
        value={text}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value) as PolicyRule[]);
          } catch {
            // Not JSON yet: keep typing.
          }
        }}
      />
      {problem && <p role="alert">{problem.message}</p>}
    </div>
  );
}
