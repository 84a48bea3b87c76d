import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { patch, post } from '../api';
import { Field, FormError } from '../components/field';
import { useLang } from '../i18n';
import { can, ME_QUERY_KEY, useMe } from '../me';

function MyTwoFactor() {
  const { t } = useLang();
  const me = useMe().data!;
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [done, setDone] = useState(false);
  const disable = useMutation({
    mutationFn: () => post('/two-factor/disable', { code: code.trim() }),
    onSuccess: async () => {
      setCode('');
      setDone(true);
      await queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    disable.mutate();
  };
  return (
    <section className="panel" aria-labelledby="my-2fa">
      <h2 id="my-2fa">{t('settings.myTwoFactor')}</h2>
      {done && !me.admin.twoFactorEnabled && (
        <p className="notice" role="status">
          {t('settings.disabled')}
        </p>
      )}
      <p>
        {t('common.status')}: <strong>{me.admin.twoFactorEnabled ? t('settings.on') : t('settings.off')}</strong>
      </p>
      {!me.admin.twoFactorEnabled && (
        <p>
          <Link to="/two-factor/enrol?next=%2Fsettings">{t('settings.enrol')}</Link>
        </p>
      )}
      {me.admin.twoFactorEnabled && me.business.requireTwoFactor && <p>{t('settings.requiredByBusiness')}</p>}
      {me.admin.twoFactorEnabled && !me.business.requireTwoFactor && (
        <form className="form" onSubmit={submit} noValidate>
          <h3>{t('settings.disable')}</h3>
          <p className="muted">{t('settings.disableIntro')}</p>
          <Field label={t('twoFactor.code')} name="code" value={code} onChange={(e) => setCode(e.target.value)} error={disable.error} autoComplete="one-time-code" required />
          <FormError error={disable.error} fields={['code']} />
          <div className="form-actions">
            <button type="submit" className="danger" disabled={disable.isPending}>
              {t('settings.disableSubmit')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function BusinessSecurity() {
  const { t } = useLang();
  const me = useMe().data!;
  const queryClient = useQueryClient();
  const owner = can(me.admin.role, 'manageSecurity');
  const [required, setRequired] = useState(me.business.requireTwoFactor);
  const save = useMutation({
    mutationFn: () => patch<{ security: { requireTwoFactor: boolean } }>('/business/security', { requireTwoFactor: required }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <section className="panel" aria-labelledby="business-security">
      <h2 id="business-security">{t('settings.businessPolicy')}</h2>
      {owner ? (
        <form className="form" onSubmit={submit} noValidate>
          <label className="checkbox">
            <input type="checkbox" name="requireTwoFactor" checked={required} onChange={(e) => setRequired(e.target.checked)} aria-describedby="require-2fa-help" />
            {t('settings.requireTwoFactor')}
          </label>
          <p id="require-2fa-help" className="field-hint">
            {t('settings.requireTwoFactorHelp')}
          </p>
          {save.isSuccess && (
            <p className="notice" role="status">
              {t('settings.policySaved')}
            </p>
          )}
          <FormError error={save.error} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={save.isPending || required === me.business.requireTwoFactor}>
              {save.isPending ? t('common.saving') : t('common.save')}
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>
            {t('settings.requireTwoFactor')}: <strong>{me.business.requireTwoFactor ? t('common.yes') : t('common.no')}</strong>
          </p>
          <p className="muted">{t('settings.ownerOnly')}</p>
        </>
      )}
    </section>
  );
}

export default function SettingsPage() {
  const { t } = useLang();
  const me = useMe().data!;
  return (
    <>
      <h1>{t('settings.title')}</h1>
      <MyTwoFactor />
      <BusinessSecurity />
      <section className="panel" aria-labelledby="business">
        <h2 id="business">{t('settings.business')}</h2>
        <dl className="facts">
          <dt>{t('settings.businessName')}</dt>
          <dd>{me.business.name}</dd>
          <dt>{t('settings.currency')}</dt>
          <dd>{me.business.currency}</dd>
          <dt>{t('settings.timeZone')}</dt>
          <dd>{me.business.timeZone}</dd>
          <dt>{t('settings.environment')}</dt>
          <dd>{t(`settings.environments.${me.business.environment}`)}</dd>
        </dl>
      </section>
    </>
  );
}
