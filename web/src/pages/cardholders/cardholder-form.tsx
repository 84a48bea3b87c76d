import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { patch, post } from '../../api';
import type { Cardholder } from '../../api-types';
import { Field, FormError } from '../../components/field';

const FIELDS = ['name', 'email', 'phoneNo', 'employeeId', 'dateOfBirth'] as const;
type Values = Record<(typeof FIELDS)[number], string>;

function initial(c?: Cardholder): Values {
  return { name: c?.name ?? '', email: c?.email ?? '', phoneNo: c?.phoneNo ?? '', employeeId: c?.employeeId ?? '', dateOfBirth: c?.dateOfBirth ?? '' };
}

/** POST /cardholders: the fields filled in. */
function createBody(v: Values): Record<string, string> {
  return Object.fromEntries(FIELDS.filter((f) => v[f].trim() !== '').map((f) => [f, f === 'name' || f === 'email' ? v[f].trim() : v[f]]));
}

/** PATCH /cardholders/{id}: the fields changed; an emptied optional field becomes null. */
function updateBody(v: Values, before: Values): Record<string, string | null> {
  const body: Record<string, string | null> = {};
  for (const f of FIELDS) {
    if (v[f] === before[f]) continue;
    body[f] = v[f].trim() === '' && f !== 'name' && f !== 'email' ? null : v[f].trim();
  }
  return body;
}

interface Props {
  /** Edits this cardholder; creates one without it. */
  cardholder?: Cardholder;
  onSaved: (cardholder: Cardholder) => void;
  onCancel?: () => void;
}

/**
 * Create or edit a cardholder. Renders its own <form>, so put it outside another form (the issue-card
 * flow shows it in a Dialog). What was typed stays after a refused submit, with the API's message
 * next to the field it names.
 */
export function CardholderForm({ cardholder, onSaved, onCancel }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(() => initial(cardholder));
  const save = useMutation({
    mutationFn: () =>
      cardholder
        ? patch<{ cardholder: Cardholder }>(`/cardholders/${cardholder.id}`, updateBody(values, initial(cardholder)))
        : post<{ cardholder: Cardholder }>('/cardholders', createBody(values)),
    onSuccess: ({ cardholder: saved }) => {
      void queryClient.invalidateQueries({ queryKey: ['cardholders'] });
      queryClient.setQueryData(['cardholder', saved.id], { cardholder: saved });
      onSaved(saved);
    },
  });
  const set = (f: keyof Values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [f]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const optional = (text: string) => `${text} (${t('common.optional')})`;
  return (
    <form className="form" onSubmit={submit} noValidate>
      <Field label={t('cardholders.name')} name="name" value={values.name} onChange={set('name')} error={save.error} required autoComplete="off" />
      <Field label={t('cardholders.email')} name="email" type="email" value={values.email} onChange={set('email')} error={save.error} required autoComplete="off" />
      <Field
        label={optional(t('cardholders.phoneNo'))}
        name="phoneNo"
        value={values.phoneNo}
        onChange={set('phoneNo')}
        error={save.error}
        inputMode="numeric"
        hint={t('cardholders.phoneHelp')}
        autoComplete="off"
      />
      <Field label={optional(t('cardholders.employeeId'))} name="employeeId" value={values.employeeId} onChange={set('employeeId')} error={save.error} autoComplete="off" />
      <Field label={optional(t('cardholders.dateOfBirth'))} name="dateOfBirth" type="date" value={values.dateOfBirth} onChange={set('dateOfBirth')} error={save.error} />
      <FormError error={save.error} fields={FIELDS} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('common.saving') : cardholder ? t('common.save') : t('common.create')}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
