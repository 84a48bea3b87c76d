import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api';
import type { Role } from '../../api-types';
import { Dialog } from '../../components/dialog';
import { FormError, SelectField } from '../../components/field';
import { useLang } from '../../i18n';
import { ME_QUERY_KEY } from '../../me';
import { ADMINS_KEY, changeRole, disableAdmin, enableAdmin, resetTwoFactor, ROLES, type TeamMember } from './team-api';

/** A refusal in words: the last-owner 409 of a role change or a disable is said in the admin's language. */
function Problem({ error }: { error: unknown }) {
  const { t } = useLang();
  if (error instanceof ApiError && error.status === 409) {
    return (
      <p className="form-error" role="alert">
        {t('team.lastOwner')}
      </p>
    );
  }
  return <FormError error={error} fields={['role']} />;
}

/** An owner's dialog for one admin: change the role, disable or enable the account, reset 2FA. */
export function ManageAdmin({ admin, selfId, onClose }: { admin: TeamMember; selfId: string; onClose: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(admin.role);
  const [done, setDone] = useState<string | undefined>();
  const self = admin.id === selfId;
  const settle = async (message: string) => {
    setDone(message);
    await queryClient.invalidateQueries({ queryKey: ADMINS_KEY });
    // One's own role decides what the dashboard shows.
    if (self) await queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
  };
  const roleChange = useMutation({ mutationFn: () => changeRole(admin.id, role), onSuccess: (a) => settle(t('team.roleSaved', { role: t(`roles.${a.role}`) })) });
  const status = useMutation({
    mutationFn: () => (admin.status === 'active' ? disableAdmin(admin.id) : enableAdmin(admin.id)),
    onSuccess: (a) => settle(a.status === 'disabled' ? t('team.disabledNotice') : t('team.enabledNotice')),
  });
  const reset = useMutation({ mutationFn: () => resetTwoFactor(admin.id), onSuccess: () => settle(t('team.resetDone')) });
  const submitRole = (e: FormEvent) => {
    e.preventDefault();
    status.reset();
    reset.reset();
    roleChange.mutate();
  };
  const busy = roleChange.isPending || status.isPending || reset.isPending;
  return (
    <Dialog title={t('team.manageTitle', { email: admin.email })} onClose={onClose}>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <form className="form" onSubmit={submitRole} noValidate>
        <SelectField label={t('team.role')} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={roleChange.error}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </SelectField>
        <Problem error={roleChange.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || role === admin.role}>
            {t('team.changeRole')}
          </button>
        </div>
      </form>
      <section className="team-section" aria-labelledby="team-account">
        <h3 id="team-account">{t('team.account')}</h3>
        <p className="muted">{admin.status === 'active' ? t('team.disableHelp') : t('team.enableHelp')}</p>
        <Problem error={status.error} />
        <div className="form-actions">
          <button type="button" className={admin.status === 'active' ? 'danger' : undefined} disabled={busy} onClick={() => status.mutate()}>
            {admin.status === 'active' ? t('team.disable') : t('team.enable')}
          </button>
        </div>
      </section>
      <section className="team-section" aria-labelledby="team-2fa">
        <h3 id="team-2fa">{t('team.resetTwoFactor')}</h3>
        {self ? (
          <p className="muted">{t('team.ownTwoFactor')}</p>
        ) : !admin.twoFactorEnabled ? (
          <p className="muted">{t('team.noTwoFactor')}</p>
        ) : (
          <>
            <p className="muted">{t('team.resetTwoFactorHelp')}</p>
            <FormError error={reset.error} />
            <div className="form-actions">
              <button type="button" className="danger" disabled={busy} onClick={() => reset.mutate()}>
                {t('team.resetTwoFactor')}
              </button>
            </div>
          </>
        )}
      </section>
    </Dialog>
  );
}
