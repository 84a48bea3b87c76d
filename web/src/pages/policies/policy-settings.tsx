import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { patch } from '../../api';
import { Field, FormError } from '../../components/field';
import { useLang } from '../../i18n';
import { policyPath, usePolicyChanged, type Policy } from './policies-api';

type Change = { name: string } | { status: Policy['status'] } | { shadowVersionId: null };

/** Rename, disable or enable, and stop the shadow version (PATCH /policies/{id}, audited as policy.updated). */
export function PolicySettings({ policy }: { policy: Policy }) {
  const { t } = useLang();
  const changed = usePolicyChanged();
  const [name, setName] = useState(policy.name);
  const [done, setDone] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (change: Change) => patch<{ policy: Policy }>(policyPath(policy.id), change),
    onSuccess: ({ policy: updated }, change) => {
      changed(updated);
      setDone('name' in change ? 'renamed' : 'status' in change ? (change.status === 'DISABLED' ? 'disabled' : 'enabled') : 'shadowStopped');
    },
    onMutate: () => setDone(null),
  });
  const rename = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ name });
  };
  return (
    <section className="panel" aria-labelledby="policy-settings-title">
      <h2 id="policy-settings-title">{t('policies.settings.title')}</h2>
      <form className="form-inline" onSubmit={rename} noValidate>
        <Field label={t('policies.settings.name')} name="name" value={name} onChange={(e) => setName(e.target.value)} error={update.error} maxLength={100} required />
        <button type="submit" disabled={update.isPending}>
          {t('policies.settings.rename')}
        </button>
      </form>
      <div className="form-actions">
        {policy.status === 'ACTIVE' ? (
          <button type="button" className="danger" disabled={update.isPending} onClick={() => update.mutate({ status: 'DISABLED' })}>
            {t('policies.settings.disable')}
          </button>
        ) : (
          <button type="button" disabled={update.isPending} onClick={() => update.mutate({ status: 'ACTIVE' })}>
            {t('policies.settings.enable')}
          </button>
        )}
        {policy.shadowVersion && (
          <button type="button" disabled={update.isPending} onClick={() => update.mutate({ shadowVersionId: null })}>
            {t('policies.settings.stopShadow', { n: policy.shadowVersion.number })}
          </button>
        )}
      </div>
      <FormError error={update.error} fields={['name']} />
      {done && (
        <p className="notice" role="status">
          {t(`policies.settings.done.${done}`)}
        </p>
      )}
    </section>
  );
}
