import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api';
import type { Role } from '../../api-types';
import { Dialog } from '../../components/dialog';
import { Field, FormError, SelectField } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { can, useMe } from '../../me';
import { InvitationLink } from './invitation-link';
import { ManageAdmin } from './manage-admin';
import {
  ADMINS_KEY,
  INVITATIONS_KEY,
  inviteAdmin,
  listAdmins,
  listInvitations,
  reissueInvitation,
  revokeInvitation,
  ROLES,
  TEAM_KEY,
  type IssuedInvitation,
  type TeamMember,
} from './team-api';

/** Who may sign in to the business: every role reads it, owners invite and manage (the server enforces the same). */
export function TeamPage() {
  const { t } = useLang();
  const me = useMe().data!;
  const owner = can(me.admin.role, 'manageTeam');
  const admins = useQuery({ queryKey: ADMINS_KEY, queryFn: ({ signal }) => listAdmins(signal) });
  const [inviting, setInviting] = useState(false);
  const [managing, setManaging] = useState<string | undefined>();
  const [issued, setIssued] = useState<IssuedInvitation | undefined>();
  const managed = admins.data?.find((a) => a.id === managing);
  return (
    <div className="team-page">
      <div className="team-head">
        <h1>{t('team.title')}</h1>
        {owner && (
          <button type="button" className="primary" onClick={() => setInviting(true)}>
            {t('team.invite')}
          </button>
        )}
      </div>
      <p className="muted">{t('team.intro')}</p>
      {!owner && <p className="notice notice-warn">{t('team.readOnly')}</p>}
      <section aria-labelledby="team-admins">
        <h2 id="team-admins">{t('team.admins')}</h2>
        {admins.isPending ? (
          <Loading />
        ) : !admins.data ? (
          <ErrorState error={admins.error} onRetry={() => void admins.refetch()} />
        ) : (
          <AdminTable admins={admins.data} selfId={me.admin.id} owner={owner} onManage={setManaging} />
        )}
      </section>
      <Invitations owner={owner} onIssued={setIssued} />
      {inviting && (
        <Dialog title={t('team.inviteTitle')} onClose={() => setInviting(false)}>
          <InviteForm
            onIssued={(i) => {
              setInviting(false);
              setIssued(i);
            }}
            onCancel={() => setInviting(false)}
          />
        </Dialog>
      )}
      {issued && <InvitationLink issued={issued} onClose={() => setIssued(undefined)} />}
      {managed && <ManageAdmin admin={managed} selfId={me.admin.id} onClose={() => setManaging(undefined)} />}
    </div>
  );
}

function AdminTable({ admins, selfId, owner, onManage }: { admins: TeamMember[]; selfId: string; owner: boolean; onManage: (id: string) => void }) {
  const { t } = useLang();
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t('team.admins')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('team.email')}</th>
            <th scope="col">{t('team.role')}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col">{t('team.twoFactor')}</th>
            <th scope="col">{t('team.lastLogin')}</th>
            {owner && <th scope="col">{t('team.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {admins.map((a) => (
            <tr key={a.id}>
              <td>
                {a.email}
                {a.id === selfId && <span className="muted"> ({t('team.you')})</span>}
              </td>
              <td>{t(`roles.${a.role}`)}</td>
              <td>
                <span className={`team-status team-status-${a.status}`}>{t(`team.statuses.${a.status}`)}</span>
              </td>
              <td>{a.twoFactorEnabled ? t('team.on') : t('team.off')}</td>
              <td>{a.lastLoginAt ? <DateTime iso={a.lastLoginAt} /> : t('team.never')}</td>
              {owner && (
                <td>
                  <button type="button" onClick={() => onManage(a.id)} aria-label={t('team.manageLabel', { email: a.email })}>
                    {t('team.manage')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Invitations({ owner, onIssued }: { owner: boolean; onIssued: (i: IssuedInvitation) => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: INVITATIONS_KEY, queryFn: ({ signal }) => listInvitations(signal) });
  const reissue = useMutation({
    mutationFn: reissueInvitation,
    onSuccess: async (issued) => {
      onIssued(issued);
      await queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY });
    },
  });
  const revoke = useMutation({
    mutationFn: revokeInvitation,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY }),
  });
  const busy = reissue.isPending || revoke.isPending;
  return (
    <section aria-labelledby="team-invitations">
      <h2 id="team-invitations">{t('team.invitations')}</h2>
      <FormError error={reissue.error ?? revoke.error} />
      {invitations.isPending ? (
        <Loading />
      ) : !invitations.data ? (
        <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />
      ) : invitations.data.length === 0 ? (
        <Empty>{t('team.noInvitations')}</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('team.invitations')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('team.email')}</th>
                <th scope="col">{t('team.role')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('team.expires')}</th>
                <th scope="col">{t('team.invitedBy')}</th>
                {owner && <th scope="col">{t('team.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {invitations.data.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{t(`roles.${i.role}`)}</td>
                  <td>
                    <span className={`team-status team-status-${i.status === 'pending' ? 'invited' : 'expired'}`}>{t(`team.statuses.${i.status === 'pending' ? 'invited' : 'expired'}`)}</span>
                  </td>
                  <td>
                    <DateTime iso={i.expiresAt} />
                  </td>
                  <td>{i.invitedBy ?? '—'}</td>
                  {owner && (
                    <td className="team-actions">
                      <button type="button" disabled={busy} onClick={() => reissue.mutate(i.id)} aria-label={t('team.reissueLabel', { email: i.email })}>
                        {t('team.reissue')}
                      </button>
                      <button type="button" className="danger" disabled={busy} onClick={() => revoke.mutate(i.id)} aria-label={t('team.revokeLabel', { email: i.email })}>
                        {t('team.revoke')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The invite form: email and role. A 409 (the email has an account or an open invitation) is shown on the email field. */
function InviteForm({ onIssued, onCancel }: { onIssued: (i: IssuedInvitation) => void; onCancel: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('finance_admin');
  const invite = useMutation({
    mutationFn: () => inviteAdmin(email.trim(), role),
    onSuccess: async (issued) => {
      onIssued(issued);
      await queryClient.invalidateQueries({ queryKey: TEAM_KEY });
    },
  });
  const conflict = invite.error instanceof ApiError && invite.error.status === 409 ? invite.error : undefined;
  const emailMessage = conflict ? (/invitation/i.test(conflict.message) ? t('team.alreadyInvited') : t('team.emailTaken')) : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  return (
    <form className="form" onSubmit={submit} noValidate>
      <p className="muted">{t('team.inviteHelp')}</p>
      <Field label={t('team.email')} name="email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={invite.error} message={emailMessage} required />
      <SelectField label={t('team.role')} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={invite.error}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </SelectField>
      {!conflict && <FormError error={invite.error} fields={['email', 'role']} />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={invite.isPending}>
          {invite.isPending ? t('team.inviting') : t('team.inviteSubmit')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
